import "server-only";

import { headers } from "next/headers";
import { cache } from "react";

import { createCaller } from "~/server/api/root";
import { createContext } from "~/server/api/trpc";

/** A tRPC caller for server components, with the request's session. */
export const getServerCaller = cache(async () => createCaller(await createContext({ headers: await headers() })));
