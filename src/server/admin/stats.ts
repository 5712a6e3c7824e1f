import "server-only";

import { Prisma, type Db } from "~/server/db";
import { percentileFromHistogram, type DurationBucket } from "~/server/admin/duration-histogram";
import { refreshAdminRollupsLazily } from "~/server/admin/rollups";

export type AdminStats = {
  since: Date;
  jobsByStatus: Record<string, number>;
  successRate: number | null;
  /** Nearest-rank percentiles of COMPLETED jobs' durations, within 2 % (see duration-histogram.ts). */
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  credits: { charged: number; refunded: number; granted: number; purchased: number; adjusted: number };
  queueDepth: number;
  activeJobs: number;
  stuckJobs: number;
};

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

export type AdminTimeseries = { unit: "hour" | "day"; points: TimeseriesPoint[] };

export type StatusRow = { status: string; count: number };
export type CreditRow = { kind: string; total: number };
export type LiveRow = { queue: number; active: number; stuck: number };

/**
 * Which part of [since, ∞) comes from the roll-ups and which from the facts,
 * decided in the statement's own snapshot so that every hour is counted
 * exactly once: the roll-up rows of the hours in [first_full, tail_start)
 * (each there only once closed), and the facts of `live` — the partial hour
 * `since` falls in, every hour of that span not closed yet (a job still
 * active, the last couple of minutes), and everything from the current hour
 * on. Hours are UTC.
 */
function periodCtes(since: Date): Prisma.Sql {
  return Prisma.sql`
    period AS MATERIALIZED (
      SELECT s.since, s.first_full, greatest(s.first_full, date_trunc('hour', now(), 'UTC')) AS tail_start
      FROM (
        SELECT ${since}::timestamptz AS since,
          date_trunc('hour', ${since}::timestamptz - interval '1 microsecond', 'UTC') + interval '1 hour' AS first_full
      ) s
    ),
    live AS MATERIALIZED (
      SELECT p.since AS lo, p.first_full AS hi FROM period p WHERE p.since < p.first_full
      UNION ALL
      SELECT h, h + interval '1 hour'
      FROM period p, generate_series(p.first_full, p.tail_start - interval '1 hour', interval '1 hour') h
      WHERE NOT EXISTS (SELECT 1 FROM admin_rollup_hour r WHERE r.hour = h)
      UNION ALL
      SELECT p.tail_start, 'infinity'::timestamptz FROM period p
    )`;
}

/** Roll-up rows of the closed hours of the period (alias r, joined with `period p`). */
const closedHours = Prisma.sql`r.hour >= p.first_full AND r.hour < p.tail_start`;

function statusRows(client: Db, since: Date) {
  return client.$queryRaw<StatusRow[]>`
    WITH ${periodCtes(since)}
    SELECT status, sum(n)::int AS count FROM (
      SELECT r.status, r.jobs AS n FROM admin_rollup_job r, period p WHERE ${closedHours}
      UNION ALL
      SELECT j.status::text, count(*) FROM live JOIN job j ON j.created_at >= live.lo AND j.created_at < live.hi
      GROUP BY j.status
    ) s GROUP BY status`;
}

/**
 * The duration histogram of the period: the closed hours' dense arrays and
 * the live facts' buckets, read in one statement (one snapshot) and merged
 * here (cheaper than unnesting ~100 buckets × 720 hours in SQL).
 */
async function histogramRows(client: Db, since: Date): Promise<DurationBucket[]> {
  const rows = await client.$queryRaw<{ first: number; jobs: number[] }[]>`
    WITH ${periodCtes(since)}
    SELECT r.first_bucket::int AS first, r.jobs FROM admin_rollup_duration r, period p WHERE ${closedHours}
    UNION ALL
    SELECT admin_job_duration_bucket(j.created_at, j.finished_at)::int, ARRAY[count(*)::int]
    FROM live JOIN job j ON j.created_at >= live.lo AND j.created_at < live.hi
    WHERE j.status = 'COMPLETED'
    GROUP BY 1`;
  const merged = new Map<number, number>();
  for (const row of rows) {
    row.jobs.forEach((count, offset) => {
      if (count > 0) merged.set(row.first + offset, (merged.get(row.first + offset) ?? 0) + count);
    });
  }
  return [...merged].map(([bucket, jobs]) => ({ bucket, jobs }));
}

function creditRows(client: Db, since: Date) {
  // Sums are float8: exact to 2^53, where int would overflow past 2^31 credits.
  return client.$queryRaw<CreditRow[]>`
    WITH ${periodCtes(since)}
    SELECT kind, sum(amount)::float8 AS total FROM (
      SELECT r.kind, r.amount FROM admin_rollup_credit r, period p WHERE ${closedHours}
      UNION ALL
      SELECT l.kind::text, sum(l.amount) FROM live JOIN ledger_entry l ON l.created_at >= live.lo AND l.created_at < live.hi
      GROUP BY l.kind
    ) s GROUP BY kind`;
}

/** Queue depth, active and stuck jobs: live, through the status indexes. */
export async function liveGauges(client: Db): Promise<LiveRow> {
  const rows = await client.$queryRaw<LiveRow[]>`
    SELECT
      (SELECT count(*)::int FROM graphile_worker.jobs WHERE locked_at IS NULL) AS queue,
      (SELECT count(*)::int FROM job WHERE status IN ('PENDING', 'PROCESSING')) AS active,
      (SELECT count(*)::int FROM job WHERE (status = 'PROCESSING' AND lease_expires_at < now())
          OR (status IN ('PENDING', 'PROCESSING') AND deadline_at < now())) AS stuck`;
  return rows[0] ?? { queue: 0, active: 0, stuck: 0 };
}

/** Builds the KPIs from their aggregates (shared with the full recount, so both read alike). */
export function assembleStats(
  since: Date,
  parts: { statuses: StatusRow[]; histogram: DurationBucket[]; credits: CreditRow[]; live: LiveRow },
): AdminStats {
  const jobsByStatus = Object.fromEntries(
    parts.statuses
      .filter((row) => row.count > 0)
      .sort((a, b) => a.status.localeCompare(b.status))
      .map((row) => [row.status, row.count]),
  );
  const finished = (jobsByStatus.COMPLETED ?? 0) + (jobsByStatus.FAILED ?? 0);
  const credit = (kind: string) => parts.credits.find((row) => row.kind === kind)?.total ?? 0;
  return {
    since,
    jobsByStatus,
    successRate: finished > 0 ? (jobsByStatus.COMPLETED ?? 0) / finished : null,
    durationP50Ms: percentileFromHistogram(parts.histogram, 50),
    durationP95Ms: percentileFromHistogram(parts.histogram, 95),
    credits: {
      charged: Math.abs(credit("CHARGE")),
      refunded: credit("REFUND"),
      granted: credit("GRANT"),
      purchased: credit("PURCHASE"),
      adjusted: credit("ADJUSTMENT"),
    },
    queueDepth: parts.live.queue,
    activeJobs: parts.live.active,
    stuckJobs: parts.live.stuck,
  };
}

/**
 * KPIs for jobs and ledger entries created since `since`, from the hourly
 * roll-ups of the closed hours plus the facts of the others; queue depth,
 * active and stuck jobs are live. Equal to a full recount
 * (`recountAdminStats`) at any instant: the test suite, the bench and the
 * integrity check admin-rollups-match-facts hold it to that.
 */
export async function getAdminStats(client: Db, since: Date): Promise<AdminStats> {
  refreshAdminRollupsLazily(client);
  return readAdminStats(client, since);
}

/** `getAdminStats` without the lazy refresh: reads only, in any transaction. */
export async function readAdminStats(client: Db, since: Date): Promise<AdminStats> {
  const [statuses, histogram, credits, live] = await Promise.all([
    statusRows(client, since),
    histogramRows(client, since),
    creditRows(client, since),
    liveGauges(client),
  ]);
  return assembleStats(since, { statuses, histogram, credits, live });
}

/** Jobs by status over all time (the metrics gauge), from the roll-ups and the open hours. */
export async function jobsByStatusAllTime(client: Db): Promise<Map<string, number>> {
  const first = await client.$queryRaw<{ at: Date | null }[]>`SELECT min(created_at) AS at FROM job`;
  const since = first[0]?.at;
  if (!since) return new Map();
  const rows = await statusRows(client, since);
  return new Map(rows.map((row) => [row.status, row.count]));
}

/** Hourly buckets up to two days, daily beyond: at most a few hundred points. */
const hourlyBucketsMaxHours = 48;

/** The charts' bucket for a period starting at `since`. */
export function timeseriesUnit(since: Date): "hour" | "day" {
  return (Date.now() - since.getTime()) / 3_600_000 <= hourlyBucketsMaxHours ? "hour" : "day";
}

/** One UTC hour or day (24 hours whatever the session's time zone), the step of a chart's axis. */
export const unitStep = (unit: "hour" | "day") => Prisma.sql`make_interval(hours => ${unit === "hour" ? 1 : 24})`;

/**
 * Jobs (by outcome) and credits (by kind) per UTC hour or day since `since`,
 * every bucket present (zeros included) so a chart's axis is continuous.
 * Closed hours come from the roll-ups, the others from the facts (as in
 * `getAdminStats`), so a 30-day chart reads ~720 small rows.
 */
export async function getAdminTimeseries(client: Db, since: Date): Promise<AdminTimeseries> {
  refreshAdminRollupsLazily(client);
  return readAdminTimeseries(client, since);
}

/** `getAdminTimeseries` without the lazy refresh: reads only, in any transaction. */
export async function readAdminTimeseries(client: Db, since: Date): Promise<AdminTimeseries> {
  const unit = timeseriesUnit(since);
  const points = await client.$queryRaw<TimeseriesPoint[]>`
    WITH ${periodCtes(since)},
    buckets AS (
      SELECT generate_series(date_trunc(${unit}, ${since}::timestamptz, 'UTC'), date_trunc(${unit}, now(), 'UTC'), ${unitStep(unit)}) AS bucket
    ), job_rows AS (
      SELECT r.hour AS at, r.status, r.jobs AS n FROM admin_rollup_job r, period p WHERE ${closedHours}
      UNION ALL
      SELECT date_trunc('hour', j.created_at, 'UTC'), j.status::text, count(*)
      FROM live JOIN job j ON j.created_at >= live.lo AND j.created_at < live.hi GROUP BY 1, 2
    ), credit_rows AS (
      SELECT r.hour AS at, r.kind, r.amount FROM admin_rollup_credit r, period p WHERE ${closedHours}
      UNION ALL
      SELECT date_trunc('hour', l.created_at, 'UTC'), l.kind::text, sum(l.amount)
      FROM live JOIN ledger_entry l ON l.created_at >= live.lo AND l.created_at < live.hi GROUP BY 1, 2
    ), jobs AS (
      SELECT date_trunc(${unit}, at, 'UTC') AS bucket,
        COALESCE(sum(n) FILTER (WHERE status = 'COMPLETED'), 0)::int AS completed,
        COALESCE(sum(n) FILTER (WHERE status = 'FAILED'), 0)::int AS failed,
        COALESCE(sum(n) FILTER (WHERE status = 'CANCELLED'), 0)::int AS cancelled,
        COALESCE(sum(n) FILTER (WHERE status IN ('PENDING', 'PROCESSING')), 0)::int AS active
      FROM job_rows GROUP BY 1
    ), credits AS (
      SELECT date_trunc(${unit}, at, 'UTC') AS bucket,
        COALESCE(-sum(amount) FILTER (WHERE kind = 'CHARGE'), 0)::float8 AS charged,
        COALESCE(sum(amount) FILTER (WHERE kind = 'REFUND'), 0)::float8 AS refunded,
        COALESCE(sum(amount) FILTER (WHERE kind = 'GRANT'), 0)::float8 AS granted,
        COALESCE(sum(amount) FILTER (WHERE kind = 'PURCHASE'), 0)::float8 AS purchased
      FROM credit_rows GROUP BY 1
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
