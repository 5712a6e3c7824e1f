import type { Db } from "~/server/db";
import type { DurationBucket } from "~/server/admin/duration-histogram";
import {
  assembleStats,
  liveGauges,
  readAdminStats,
  readAdminTimeseries,
  timeseriesUnit,
  unitStep,
  type AdminStats,
  type AdminTimeseries,
  type CreditRow,
  type StatusRow,
  type TimeseriesPoint,
} from "~/server/admin/stats";

/**
 * The admin KPIs and charts recounted from every job and ledger entry of the
 * period, ignoring the roll-ups: the reference that `getAdminStats` and
 * `getAdminTimeseries` must equal (tests, the bench's invariant check).
 * Written independently of the roll-up queries on purpose; only the duration
 * bucketing (`admin_job_duration_bucket`) and the assembly of the KPIs are
 * shared, so that the two agree exactly rather than within 2 %.
 * Proportional to the size of the period: not for the dashboard at scale.
 */
export async function recountAdminStats(client: Db, since: Date): Promise<AdminStats> {
  const [statuses, histogram, credits, live] = await Promise.all([
    client.$queryRaw<StatusRow[]>`
      SELECT status::text AS status, count(*)::int AS count FROM job WHERE created_at >= ${since} GROUP BY status`,
    client.$queryRaw<DurationBucket[]>`
      SELECT admin_job_duration_bucket(created_at, finished_at)::int AS bucket, count(*)::int AS jobs
      FROM job WHERE created_at >= ${since} AND status = 'COMPLETED' GROUP BY 1`,
    client.$queryRaw<CreditRow[]>`
      SELECT kind::text AS kind, sum(amount)::float8 AS total FROM ledger_entry WHERE created_at >= ${since} GROUP BY kind`,
    liveGauges(client),
  ]);
  return assembleStats(since, { statuses, histogram, credits, live });
}

/** The charts recounted from the facts (see `recountAdminStats`). */
export async function recountAdminTimeseries(client: Db, since: Date): Promise<AdminTimeseries> {
  const unit = timeseriesUnit(since);
  const points = await client.$queryRaw<TimeseriesPoint[]>`
    WITH buckets AS (
      SELECT generate_series(date_trunc(${unit}, ${since}::timestamptz, 'UTC'), date_trunc(${unit}, now(), 'UTC'), ${unitStep(unit)}) AS bucket
    ), jobs AS (
      SELECT date_trunc(${unit}, created_at, 'UTC') AS bucket,
        count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
        count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
        count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
        count(*) FILTER (WHERE status IN ('PENDING', 'PROCESSING'))::int AS active
      FROM job WHERE created_at >= ${since} GROUP BY 1
    ), credits AS (
      SELECT date_trunc(${unit}, created_at, 'UTC') AS bucket,
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

/** The KPI periods of the dashboard, in hours (1 h, 24 h, 7 d, 30 d). */
export const comparedPeriodsHours = [1, 24, 24 * 7, 24 * 30] as const;

/** A disagreement between the roll-up-based stats and the full recount. */
export type RollupDisagreement = { hours: number; what: "stats" | "timeseries"; rollups: unknown; recount: unknown };

/** JSON with object keys sorted, so equal values print equal whatever the row order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item) && !(item instanceof Date)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))
      : item,
  );
}

/**
 * Compares the roll-up-based KPIs and charts with a full recount for each
 * period (hours back from now; fractions allowed), in one REPEATABLE READ snapshot so that writes running
 * meanwhile cannot tell them apart; returns the disagreements (none = the
 * roll-ups are right). The live gauges (queue, active, stuck) are compared
 * too: in one snapshot they must match as well.
 */
export async function compareRollupsWithRecount(client: Db, periodsHours: readonly number[] = comparedPeriodsHours): Promise<RollupDisagreement[]> {
  const now = Date.now();
  return client.$transaction(
    async (tx) => {
      const db = tx as unknown as Db;
      const found: RollupDisagreement[] = [];
      for (const hours of periodsHours) {
        const since = new Date(now - hours * 3_600_000);
        const [rollups, recount] = [await readAdminStats(db, since), await recountAdminStats(db, since)];
        if (canonical(rollups) !== canonical(recount)) found.push({ hours, what: "stats", rollups, recount });
        const [series, seriesRecount] = [await readAdminTimeseries(db, since), await recountAdminTimeseries(db, since)];
        if (canonical(series) !== canonical(seriesRecount)) {
          found.push({ hours, what: "timeseries", rollups: series, recount: seriesRecount });
        }
      }
      return found;
    },
    { isolationLevel: "RepeatableRead", timeout: 300_000, maxWait: 10_000 },
  );
}
