import "server-only";

import { jobsConfigFromEnv } from "~/server/config";
import { db } from "~/server/db";
import { createRestHandler } from "~/server/rest/handler";

/**
 * The developer REST API at /api/v1 (SPEC §8, docs/api.md), as a
 * Next.js API route on node's req/res like tRPC's (an App Router handler
 * would adapt every request to a Web Request first). One catch-all: the
 * routing, API-key auth, problem documents and Idempotency-Key handling
 * live in src/server/rest/.
 */
export default createRestHandler({ db, config: jobsConfigFromEnv });

/** The body is read by the handler itself, with its own size limit. */
export const config = { api: { bodyParser: false, externalResolver: true } };
