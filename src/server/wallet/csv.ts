/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line
 * break; and a text cell that a spreadsheet would read as a formula (it
 * starts with = + - @, a tab or a carriage return) is prefixed with a
 * single quote (OWASP's CSV injection advice). Numbers are written as they
 * are: a negative amount is a number, not a formula.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One CSV line, CRLF-terminated. */
export function csvLine(cells: ReadonlyArray<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
