"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";

import { appErrorOf } from "~/lib/app-error";
import { signInPath } from "~/shared/sign-in-path";

/**
 * UNAUTHORIZED from any of these query errors (the session ended while the
 * page was open) sends the user to sign in, and back here afterwards.
 */
export function useUnauthorizedRedirect(...errors: unknown[]): boolean {
  const router = useRouter();
  const pathname = usePathname();
  const unauthorized = errors.some((error) => error && appErrorOf(error).appCode === "UNAUTHORIZED");
  useEffect(() => {
    if (unauthorized) router.replace(signInPath(`${pathname}${window.location.search}`));
  }, [unauthorized, pathname, router]);
  return unauthorized;
}
