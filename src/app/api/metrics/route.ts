import "server-only";

import { env } from "~/env.js";
import { collectMetrics, metricsContentType } from "~/server/admin/prometheus";
import { isAuthorizedBearer } from "~/server/cron-auth";
import { db } from "~/server/db";
import { routeFailure } from "~/server/http/route-failure";

export const dynamic = "force-dynamic";

/**
 * Prometheus scrape endpoint of the web process, `Authorization: Bearer
 * $METRICS_TOKEN` (constant-time). Fails closed: without a configured token
 * nobody reads it. Worker processes serve their own (src/server/ops/
 * metrics-server.ts) on WORKER_METRICS_PORT.
 */
export async function GET(request: Request) {
  if (!env.METRICS_TOKEN) {
    return Response.json({ error: "METRICS_TOKEN is not configured" }, { status: 503 });
  }
  if (!isAuthorizedBearer(request.headers.get("authorization"), env.METRICS_TOKEN)) {
    return Response.json({ error: "unauthorized" }, { status: 401 });
  }
  try {
    return new Response(await collectMetrics(db), {
      headers: { "content-type": metricsContentType, "cache-control": "no-store" },
    });
  } catch (error) {
    return routeFailure(error, request);
  }
}
