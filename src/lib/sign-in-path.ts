/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeReturnPath(next: string | null | undefined, fallback = "/"): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : fallback;
}

/** The sign-in page that returns to `returnTo` afterwards. */
export function signInPath(returnTo: string): string {
  return `/sign-in?next=${encodeURIComponent(safeReturnPath(returnTo))}`;
}
