import "server-only";

import { TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";

import { isDatabaseUnavailable } from "~/server/database/app-errors";
import { requestPathHeader } from "~/server/http/security-headers";
import { createCaller } from "~/server/trpc/root";
import { createContext } from "~/server/trpc/procedures";

/**
 * A tRPC caller for server components, with the request's session. When
 * the session cannot be read because the database is unavailable, it
 * throws CONFLICT_RETRY (logged once, for the page): pages built with
 * `withReconnecting` show their reconnecting state for it.
 */
export const getServerCaller = cache(async () => {
  const requestHeaders = await headers();
  const path = requestHeaders.get(requestPathHeader) ?? "(page)";
  return createCaller(await createContext({ headers: requestHeaders, entry: "page", path }));
});

/**
 * Who is signed in, for a page's metadata: null also while the database
 * cannot tell (the page itself then shows its reconnecting state, and a
 * title needs no error page of its own).
 */
export async function signedInForMetadata() {
  try {
    return await (await getServerCaller()).account.me();
  } catch (error) {
    if (isDatabaseUnavailable(error)) return null;
    throw error;
  }
}

export type ServerCaller = Awaited<ReturnType<typeof getServerCaller>>;

/** A thing the URL names that is not there (or not the caller's), or an id that cannot be one. */
function isNotFound(error: unknown): boolean {
  return error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST");
}

/** This request's answers by what was looked up: a page and its metadata ask once. */
const getLookups = cache(() => new Map<string, Promise<boolean>>());

/**
 * Whether what the URL names exists for the signed-in caller, asked once
 * per request under `key` (say `job:<id>`) through a procedure: NOT_FOUND,
 * or an input that cannot name anything, is `false`; any other failure is
 * thrown.
 */
export function exists(key: string, lookUp: (caller: ServerCaller) => Promise<unknown>): Promise<boolean> {
  const lookups = getLookups();
  let answer = lookups.get(key);
  if (!answer) {
    answer = getServerCaller()
      .then(lookUp)
      .then(
        () => true,
        (error: unknown) => {
          if (isNotFound(error)) return false;
          throw error;
        },
      );
    lookups.set(key, answer);
  }
  return answer;
}

/**
 * For a page about one thing (a job, a checkout, a user): when it does not
 * exist for the caller, the not-found page answers with HTTP 404 — never a
 * 200 page that only looks like an error.
 */
export async function requireExisting(key: string, lookUp: (caller: ServerCaller) => Promise<unknown>): Promise<void> {
  if (!(await exists(key, lookUp))) notFound();
}
