import "server-only";

import { headers } from "next/headers";
import { cache } from "react";

import { createCaller } from "~/server/trpc/root";
import { createContext } from "~/server/trpc/procedures";

/** A tRPC caller for server components, with the request's session. */
export const getServerCaller = cache(async () => createCaller(await createContext({ headers: await headers() })));
