const numberFormat = new Intl.NumberFormat("en-US");
const moneyFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });

/** 1234 → "1,234". */
export function formatCredits(value: number): string {
  return numberFormat.format(value);
}

/** +12 / −12 with a real minus sign, for ledger amounts. */
export function formatSignedCredits(value: number): string {
  return value > 0 ? `+${numberFormat.format(value)}` : value < 0 ? `−${numberFormat.format(-value)}` : "0";
}

/** 2000 cents → "$20.00". */
export function formatCents(cents: number): string {
  return moneyFormat.format(cents / 100);
}

export function formatDateTime(value: Date | string): string {
  return dateTimeFormat.format(typeof value === "string" ? new Date(value) : value);
}

/** "3 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** "0:07", "2:05", "1:02:03": a running clock (fixed-width digits keep it still). */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** "1 credit", "5 credits". */
export function pluralCredits(value: number): string {
  return `${formatCredits(value)} ${Math.abs(value) === 1 ? "credit" : "credits"}`;
}

/** "in 3 days", "tomorrow", "in 5 hours", "within the hour": when credits expire, from `now`. */
export function formatExpiresIn(expiresAt: Date | string, now = new Date()): string {
  const ms = new Date(expiresAt).getTime() - now.getTime();
  const hours = Math.floor(ms / 3_600_000);
  if (hours < 1) return "within the hour";
  if (hours < 24) return `in ${hours} ${hours === 1 ? "hour" : "hours"}`;
  const days = Math.floor(hours / 24);
  return days === 1 ? "tomorrow" : `in ${days} days`;
}
