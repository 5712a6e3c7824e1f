import type { TRPCError } from "@trpc/server";
import { createNextApiHandler } from "@trpc/server/adapters/next";

import { AppError } from "~/server/errors";
import { privateNoStore } from "~/server/http/same-origin";
import { appRouter } from "~/server/trpc/root";
import { createContext } from "~/server/trpc/procedures";

/**
 * tRPC over HTTP at /api/trpc, as a Next.js API route (node req/res): the
 * money path's entry point, kept lean on purpose. An App Router route
 * handler would adapt every request to a Web Request and its body to a web
 * stream and back, which costs more CPU than the whole money transaction
 * (docs/decisions/0005-pages-api-for-trpc-and-rest.md). Pages stay on the App Router.
 *
 * Every answer depends on the session: `Cache-Control: private, no-store`.
 * An answer that asks the client to retry later (CONFLICT_RETRY, 503; the
 * rate limit, 429) says when in `Retry-After` too.
 */
export default createNextApiHandler({
  router: appRouter,
  createContext: ({ req, info }) =>
    createContext({ headers: headersOf(req.headers), method: req.method, path: info.calls.map((call) => call.path).join(",") }),
  responseMeta: ({ errors }) => {
    const headers: Record<string, string> = { "cache-control": privateNoStore };
    const retryAfterSeconds = retryAfterOf(errors);
    if (retryAfterSeconds !== null) headers["retry-after"] = String(retryAfterSeconds);
    return { headers };
  },
});

/** The longest wait any failed call of the request asks for, in whole seconds; null when none asks. */
function retryAfterOf(errors: TRPCError[]): number | null {
  let longest: number | null = null;
  for (const error of errors) {
    const wait = error.cause instanceof AppError ? error.cause.details.retryAfterSeconds : undefined;
    if (wait === undefined) continue;
    const seconds = Math.max(1, Math.ceil(wait));
    longest = Math.max(longest ?? 0, seconds);
  }
  return longest;
}

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
