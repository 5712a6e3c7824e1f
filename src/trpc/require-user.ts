import "server-only";

import { redirect } from "next/navigation";

import { currentPagePath } from "~/trpc/request-path";
import { signInPath } from "~/shared/sign-in-path";
import { getServerCaller } from "~/trpc/server";

/**
 * For server pages that need a session: returns the signed-in user or
 * redirects to sign-in, which brings the user back to this very page —
 * path and query (`/jobs?status=completed` stays that) — after.
 * `fallback` is the return path when the page's own is not known.
 */
export async function requireUser(fallback: string) {
  const caller = await getServerCaller();
  const me = await caller.account.me();
  if (!me) redirect(signInPath(await currentPagePath(fallback)));
  return me;
}
