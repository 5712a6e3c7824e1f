import { env } from "~/env.js";
import { collectMetrics } from "~/server/admin/prometheus";
import { isAuthorizedBearer } from "~/server/cron-auth";
import { db } from "~/server/db";

export const dynamic = "force-dynamic";

/**
 * Prometheus scrape endpoint, `Authorization: Bearer $METRICS_TOKEN`
 * (constant-time). Fails closed: without a configured token nobody reads it.
 */
export async function GET(request: Request) {
  if (!env.METRICS_TOKEN) {
    return Response.json({ error: "METRICS_TOKEN is not configured" }, { status: 503 });
  }
  if (!isAuthorizedBearer(request.headers.get("authorization"), env.METRICS_TOKEN)) {
    return Response.json({ error: "unauthorized" }, { status: 401 });
  }
  return new Response(await collectMetrics(db), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  });
}
