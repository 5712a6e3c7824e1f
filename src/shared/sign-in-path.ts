/**
 * The one check for every `?next=` and return path (sign-in, sign-up, buy,
 * checkout, redirects to sign-in): only a path on this site is followed.
 *
 * Checked after URL parsing, the same WHATWG parsing the browser applies:
 * it strips tabs and newlines and reads `\` as `/`, so `/\t/evil.example`,
 * `/\evil.example` or `%0D%2F…` become `//evil.example` — another host. The
 * value is resolved against a placeholder origin; anything that lands on
 * another origin (or is not a URL) falls back, and what is returned is the
 * parsed path, query and fragment, never the raw input.
 */
const placeholderOrigin = "https://return-path.invalid";

export function safeReturnPath(next: string | null | undefined, fallback = "/"): string {
  if (!next) return fallback;
  let url: URL;
  try {
    url = new URL(next, placeholderOrigin);
  } catch {
    return fallback;
  }
  if (url.origin !== placeholderOrigin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/.//evil.example" parses to the path "//evil.example": a browser would
  // read that back as a protocol-relative URL to another host.
  return path.startsWith("/") && !path.startsWith("//") ? path : fallback;
}

/** The sign-in page that returns to `returnTo` afterwards. */
export function signInPath(returnTo: string): string {
  return `/sign-in?next=${encodeURIComponent(safeReturnPath(returnTo))}`;
}
