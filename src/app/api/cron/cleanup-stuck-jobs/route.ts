import "server-only";

import { env } from "~/env.js";
import { isAuthorizedBearer } from "~/server/cron-auth";
import { jobsConfigFromEnv } from "~/server/config";
import { db } from "~/server/db";
import { routeFailure } from "~/server/http/route-failure";
import { runMaintenancePass } from "~/server/queue/maintenance";

export const dynamic = "force-dynamic";

/**
 * Vercel Cron (or any scheduler) calls this every minute: the maintenance
 * pass the workers also run on their own timer (src/server/queue/maintenance.ts).
 */
export async function GET(request: Request) {
  if (!env.CRON_SECRET) {
    return Response.json({ error: "CRON_SECRET is not configured" }, { status: 503 });
  }
  if (!isAuthorizedBearer(request.headers.get("authorization"), env.CRON_SECRET)) {
    return Response.json({ error: "unauthorized" }, { status: 401 });
  }
  try {
    return Response.json(await runMaintenancePass(db, jobsConfigFromEnv()));
  } catch (error) {
    // The scheduler calls again next minute; a restarting database is a 503 with Retry-After.
    return routeFailure(error, request);
  }
}
