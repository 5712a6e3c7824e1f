import { db } from "~/server/db";

export const dynamic = "force-dynamic";

/** Database and queue status, for load balancers and humans. */
export async function GET() {
  try {
    const rows = await db.$queryRaw<{ queued: number; locked: number }[]>`
      SELECT count(*) FILTER (WHERE locked_at IS NULL)::int AS queued,
             count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS locked
      FROM graphile_worker.jobs`;
    const queue = rows[0] ?? { queued: 0, locked: 0 };
    return Response.json({ status: "ok", database: "ok", queue: { status: "ok", ...queue } });
  } catch {
    return Response.json({ status: "error", database: "unreachable" }, { status: 503 });
  }
}
