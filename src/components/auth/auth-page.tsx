import { headers } from "next/headers";

import { AuthForm } from "~/components/auth/auth-form";
import type { AuthMode } from "~/components/auth/auth-outcome";
import { env } from "~/env.js";
import { originMismatch, warnOriginMismatch } from "~/server/http/request-origin";

/**
 * The sign-in or sign-up page. When it was opened at another address than
 * APP_URL (say `PORT=3962` with an APP_URL for port 3000), auth would refuse
 * the form with "Invalid origin": the page says so up front, and so does the
 * server log.
 */
export async function AuthPage({ mode }: { mode: AuthMode }) {
  const mismatch = originMismatch(await headers(), env.APP_URL);
  if (mismatch) warnOriginMismatch(mismatch);
  return <div className="py-6 sm:py-12"><AuthForm mode={mode} originMismatch={mismatch} /></div>;
}
