import { env } from "~/env.js";
import { isAuthorizedBearer } from "~/server/cron-auth";
import { jobsConfigFromEnv } from "~/server/config";
import { db } from "~/server/db";
import { runCleanup } from "~/server/jobs/cleanup";

export const dynamic = "force-dynamic";

/** Vercel Cron (or any scheduler) calls this every minute. */
export async function GET(request: Request) {
  if (!env.CRON_SECRET) {
    return Response.json({ error: "CRON_SECRET is not configured" }, { status: 503 });
  }
  if (!isAuthorizedBearer(request.headers.get("authorization"), env.CRON_SECRET)) {
    return Response.json({ error: "unauthorized" }, { status: 401 });
  }
  const result = await runCleanup(db, jobsConfigFromEnv());
  return Response.json(result);
}
