import { createNextApiHandler } from "@trpc/server/adapters/next";

import { appRouter } from "~/server/trpc/root";
import { createContext } from "~/server/trpc/procedures";

/**
 * tRPC over HTTP at /api/trpc, as a Next.js API route (node req/res): the
 * money path's entry point, kept lean on purpose. An App Router route
 * handler would adapt every request to a Web Request and its body to a web
 * stream and back, which costs more CPU than the whole money transaction
 * (docs/decisions/0005-pages-api-for-trpc-and-rest.md). Pages stay on the App Router.
 */
export default createNextApiHandler({
  router: appRouter,
  createContext: ({ req }) => createContext({ headers: headersOf(req.headers) }),
});

function headersOf(incoming: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

/** The request body is parsed by tRPC itself. */
export const config = { api: { bodyParser: false } };
