"use client";

import { usePathname, useSearchParams } from "next/navigation";

/*
 * Next.js types these hooks as nullable as soon as a project has a
 * `pages/` directory (the Pages Router may render a component before its
 * router is ready). Ours holds only the tRPC API route; every component is
 * rendered by the App Router, where both always have a value.
 */

/** The current path (App Router: never null). */
export function useCurrentPath(): string {
  return usePathname() ?? "/";
}

/** The current query (App Router: never null). */
export function useCurrentSearchParams(): URLSearchParams {
  return useSearchParams() ?? new URLSearchParams();
}
