import "server-only";

import { env } from "~/env.js";
import { refreshAdminRollups } from "~/server/admin/rollups";
import { isAuthorizedBearer } from "~/server/cron-auth";
import { jobsConfigFromEnv } from "~/server/config";
import { db } from "~/server/db";
import { runCleanup } from "~/server/jobs/cleanup";
import { routeFailure } from "~/server/http/route-failure";
import { logger } from "~/server/logger";
import { purgeExpiredIdempotency } from "~/server/rest/idempotency";

export const dynamic = "force-dynamic";

/**
 * Vercel Cron (or any scheduler) calls this every minute: the cleanup, then
 * a bounded refresh of the admin roll-ups (hours whose jobs the cleanup just
 * ended may close). A failed refresh does not fail the cleanup: the admin
 * stats read the facts of any hour that is not rolled up yet.
 */
export async function GET(request: Request) {
  if (!env.CRON_SECRET) {
    return Response.json({ error: "CRON_SECRET is not configured" }, { status: 503 });
  }
  if (!isAuthorizedBearer(request.headers.get("authorization"), env.CRON_SECRET)) {
    return Response.json({ error: "unauthorized" }, { status: 401 });
  }
  let result: Awaited<ReturnType<typeof runCleanup>>;
  try {
    result = await runCleanup(db, jobsConfigFromEnv());
  } catch (error) {
    // The scheduler calls again next minute; a restarting database is a 503 with Retry-After.
    return routeFailure(error, request);
  }
  let rollupHoursClosed: number | null = null;
  try {
    rollupHoursClosed = await refreshAdminRollups(db);
  } catch (error) {
    logger.warn({ err: error }, "admin roll-up refresh failed after the cleanup");
  }
  // Expired stored REST responses (Idempotency-Key) go too, bounded per call.
  const idempotencyPurged = await purgeExpiredIdempotency(db).catch((error: unknown) => {
    logger.warn({ err: error }, "purging expired idempotency responses failed after the cleanup");
    return null;
  });
  return Response.json({ ...result, rollupHoursClosed, idempotencyPurged });
}
