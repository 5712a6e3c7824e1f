import "server-only";

import { redirect } from "next/navigation";

import { signInPath } from "~/lib/sign-in-path";
import { getServerCaller } from "~/trpc/server";

/**
 * For server pages that need a session: returns the signed-in user or
 * redirects to sign-in, which brings the user back to `returnTo` after.
 */
export async function requireUser(returnTo: string) {
  const caller = await getServerCaller();
  const me = await caller.account.me();
  if (!me) redirect(signInPath(returnTo));
  return me;
}
