import "server-only";

import { headers } from "next/headers";
import { cache } from "react";

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
