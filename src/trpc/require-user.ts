import "server-only";

import type { Metadata } from "next";
import { forbidden, redirect } from "next/navigation";

import { currentPagePath } from "~/trpc/request-path";
import { signInPath } from "~/shared/sign-in-path";
import { getServerCaller, signedInForMetadata } from "~/trpc/server";

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

/**
 * For admin pages: the signed-in admin; anyone else signed in gets a real
 * 403 (`forbidden()`, app/forbidden.tsx), anonymous visitors go to sign-in
 * and back. The procedures check the role again.
 */
export async function requireAdmin(fallback: string) {
  const me = await requireUser(fallback);
  if (me.role !== "ADMIN") forbidden();
  return me;
}

const forbiddenTitle = "Admins only · Creditworks";

/**
 * The title of an admin page: `name` under the admin template ("Users ·
 * Admin · Creditworks"), or, for anyone who is not an admin (they get the
 * 403 page), the 403's title — `forbidden()` renders no metadata of its
 * own. As a layout's title it also sets the template of the pages below.
 */
export async function adminTitle(name: string, options: { absolute?: boolean } = {}): Promise<NonNullable<Metadata["title"]>> {
  const me = await signedInForMetadata();
  // A template without %s: every admin page below gets the 403's title.
  if (me && me.role !== "ADMIN") return { absolute: forbiddenTitle, template: forbiddenTitle };
  const template = "%s · Admin · Creditworks";
  return options.absolute ? { absolute: template.replace("%s", name), template } : { default: name, template };
}

/**
 * For pages of the active workspace: the signed-in user (or sign-in and
 * back) and the workspace their session acts in, with their role, so the
 * page offers only what the role may do (SPEC §9). The procedures check
 * the role again.
 */
export async function requireWorkspace(fallback: string) {
  const me = await requireUser(fallback);
  const workspace = await (await getServerCaller()).workspaces.activeView();
  return { me, workspace };
}
