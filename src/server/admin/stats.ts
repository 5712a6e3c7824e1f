import type { Db } from "~/server/db";

export type AdminStats = {
  since: Date;
  jobsByStatus: Record<string, number>;
  successRate: number | null;
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  credits: { charged: number; refunded: number; granted: number; purchased: number; adjusted: number };
  queueDepth: number;
  activeJobs: number;
  stuckJobs: number;
};

/** KPIs for jobs created since `since`; queue depth and stuck jobs are live. */
export async function getAdminStats(client: Db, since: Date): Promise<AdminStats> {
  const [statusRows, durationRows, creditRows, liveRows] = await Promise.all([
    client.$queryRaw<{ status: string; count: number }[]>`
      SELECT status::text AS status, count(*)::int AS count FROM job WHERE created_at >= ${since} GROUP BY status`,
    client.$queryRaw<{ p50: number | null; p95: number | null }[]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000) AS p95
      FROM job WHERE created_at >= ${since} AND status = 'COMPLETED'`,
    // Sums are float8: exact to 2^53, where int would overflow past 2^31 credits.
    client.$queryRaw<{ kind: string; total: number }[]>`
      SELECT kind::text AS kind, COALESCE(sum(amount), 0)::float8 AS total FROM ledger_entry
      WHERE created_at >= ${since} GROUP BY kind`,
    client.$queryRaw<{ queue: number; active: number; stuck: number }[]>`
      SELECT
        (SELECT count(*)::int FROM graphile_worker.jobs WHERE locked_at IS NULL) AS queue,
        (SELECT count(*)::int FROM job WHERE status IN ('PENDING', 'PROCESSING')) AS active,
        (SELECT count(*)::int FROM job WHERE (status = 'PROCESSING' AND lease_expires_at < now())
            OR (status IN ('PENDING', 'PROCESSING') AND deadline_at < now())) AS stuck`,
  ]);
  const jobsByStatus = Object.fromEntries(statusRows.map((row) => [row.status, row.count]));
  const finished = (jobsByStatus.COMPLETED ?? 0) + (jobsByStatus.FAILED ?? 0);
  const credit = (kind: string) => creditRows.find((row) => row.kind === kind)?.total ?? 0;
  return {
    since,
    jobsByStatus,
    successRate: finished > 0 ? (jobsByStatus.COMPLETED ?? 0) / finished : null,
    durationP50Ms: durationRows[0]?.p50 ?? null,
    durationP95Ms: durationRows[0]?.p95 ?? null,
    credits: {
      charged: Math.abs(credit("CHARGE")),
      refunded: credit("REFUND"),
      granted: credit("GRANT"),
      purchased: credit("PURCHASE"),
      adjusted: credit("ADJUSTMENT"),
    },
    queueDepth: liveRows[0]?.queue ?? 0,
    activeJobs: liveRows[0]?.active ?? 0,
    stuckJobs: liveRows[0]?.stuck ?? 0,
  };
}

export type TimeseriesPoint = {
  bucket: Date;
  completed: number;
  failed: number;
  cancelled: number;
  active: number;
  charged: number;
  refunded: number;
  granted: number;
  purchased: number;
};

/** Hourly buckets up to two days, daily beyond: at most a few hundred points. */
const hourlyBucketsMaxHours = 48;

/**
 * Jobs (by outcome) and credits (by kind) per hour or per day since `since`,
 * every bucket present (zeros included) so a chart's axis is continuous.
 * Both aggregates read only the rows of the period through the created_at
 * indexes.
 */
export async function getAdminTimeseries(client: Db, since: Date): Promise<{ unit: "hour" | "day"; points: TimeseriesPoint[] }> {
  const hours = (Date.now() - since.getTime()) / 3_600_000;
  const unit = hours <= hourlyBucketsMaxHours ? "hour" : "day";
  const points = await client.$queryRaw<TimeseriesPoint[]>`
    WITH buckets AS (
      SELECT generate_series(date_trunc(${unit}, ${since}::timestamptz), date_trunc(${unit}, now()),
        ('1 ' || ${unit})::interval) AS bucket
    ), jobs AS (
      SELECT date_trunc(${unit}, created_at) AS bucket,
        count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
        count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
        count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
        count(*) FILTER (WHERE status IN ('PENDING', 'PROCESSING'))::int AS active
      FROM job WHERE created_at >= ${since} GROUP BY 1
    ), credits AS (
      SELECT date_trunc(${unit}, created_at) AS bucket,
        COALESCE(-sum(amount) FILTER (WHERE kind = 'CHARGE'), 0)::float8 AS charged,
        COALESCE(sum(amount) FILTER (WHERE kind = 'REFUND'), 0)::float8 AS refunded,
        COALESCE(sum(amount) FILTER (WHERE kind = 'GRANT'), 0)::float8 AS granted,
        COALESCE(sum(amount) FILTER (WHERE kind = 'PURCHASE'), 0)::float8 AS purchased
      FROM ledger_entry WHERE created_at >= ${since} GROUP BY 1
    )
    SELECT b.bucket,
      COALESCE(j.completed, 0) AS completed, COALESCE(j.failed, 0) AS failed,
      COALESCE(j.cancelled, 0) AS cancelled, COALESCE(j.active, 0) AS active,
      COALESCE(c.charged, 0) AS charged, COALESCE(c.refunded, 0) AS refunded,
      COALESCE(c.granted, 0) AS granted, COALESCE(c.purchased, 0) AS purchased
    FROM buckets b
    LEFT JOIN jobs j ON j.bucket = b.bucket
    LEFT JOIN credits c ON c.bucket = b.bucket
    ORDER BY b.bucket`;
  return { unit, points };
}
