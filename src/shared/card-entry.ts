/**
 * Card details as people type them, on a phone's numeric keypad too (which
 * often has no "/" and no space): digits only are enough, and the form
 * shows them the way payment forms do. The server parses both the typed
 * and the formatted text with the same functions. No dependency: safe to
 * import from the browser.
 */

/** The longest card number (ISO/IEC 7812), in digits. */
export const cardNumberDigitsMax = 19;
/** "MMYYYY": the most digits an expiry has. */
const expiryDigitsMax = 6;

const digitsOf = (value: string) => value.replace(/\D/g, "");

/** The digits of a card number, without the spaces or dashes people type in it. */
export function normalizeCardNumber(value: string): string {
  return value.replace(/[\s-]/g, "");
}

/** A card number as it is typed, in groups of four: "4242424242" → "4242 4242 42". */
export function formatCardNumber(value: string): string {
  return digitsOf(value).slice(0, cardNumberDigitsMax).replace(/(\d{4})(?=\d)/g, "$1 ");
}

/**
 * An expiry as it is typed, as MM/YY: "1234" → "12/34", "4" → "04" (no
 * month starts with 4), "1/" → "01/". A slash the user typed splits month
 * from year ("1/2034" stays that); a slash with no year after a two-digit
 * month is left out, so that deleting the year's first digit deletes it too.
 */
export function formatExpiry(value: string): string {
  const slash = value.indexOf("/");
  if (slash >= 0) {
    const month = digitsOf(value.slice(0, slash)).slice(0, 2);
    const year = digitsOf(value.slice(slash + 1)).slice(0, 4);
    if (year) return `${month}/${year}`;
    return month.length === 1 ? `0${month}/` : month;
  }
  const digits = digitsOf(value).slice(0, expiryDigitsMax);
  const padded = /^[2-9]/.test(digits) ? `0${digits}` : digits;
  return padded.length > 2 ? `${padded.slice(0, 2)}/${padded.slice(2)}` : padded;
}

/**
 * The month and year of an expiry typed as "MM/YY", "M/YY", "MM/YYYY",
 * "MMYY" or "MMYYYY" (spaces allowed); null when it is none of them or the
 * month is not 1–12.
 */
export function parseExpiry(value: string): { month: number; year: number } | null {
  const compact = value.replace(/\s/g, "");
  const match = /^(\d{1,2})\/(\d{2}|\d{4})$/.exec(compact) ?? /^(\d{2})(\d{2}|\d{4})$/.exec(compact);
  if (!match) return null;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return month >= 1 && month <= 12 ? { month, year } : null;
}
