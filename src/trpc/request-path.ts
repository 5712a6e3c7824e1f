import "server-only";

import { headers } from "next/headers";

import { safeReturnPath } from "~/shared/sign-in-path";
import { requestPathHeader } from "~/server/http/security-headers";

/**
 * The path and query of the page being rendered, as src/proxy.ts recorded
 * it (a client-sent copy of the header is overwritten there); `fallback`
 * where the proxy did not run (prefetches).
 */
export async function currentPagePath(fallback: string): Promise<string> {
  const recorded = (await headers()).get(requestPathHeader);
  return recorded ? safeReturnPath(recorded, fallback) : fallback;
}
