import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { bucketValueMs, durationRelativeErrorMax, percentileFromHistogram } from "~/server/admin/duration-histogram";
import { refreshAdminRollups, refreshAdminRollupsFully, resetAdminRollups } from "~/server/admin/rollups";
import { readAdminStats } from "~/server/admin/stats";
import { compareRollupsWithRecount, comparedPeriodsHours, recountAdminStats } from "../fixtures/stats-recount";
import { runIntegrityChecks } from "~/server/integrity";
import { createJob } from "~/server/jobs/create";
import { runJob } from "~/server/jobs/run";
import { chaosSeed, seededRandom } from "../chaos/random";
import { buildHistory, connect, failJobsNow } from "../fixtures/history";
import { actingAs, createUser, db, jobRequest, testConfig, workerDeps } from "../helpers";

const hourMs = 3_600_000;
const closeMarginMs = 120_000;
const spreadHours = 24 * 40;

let sql: pg.Client;
beforeAll(async () => {
  sql = await connect();
});
afterAll(async () => {
  await sql.end();
});

const closedHours = async () => Number((await sql.query("SELECT count(*) FROM admin_rollup_hour")).rows[0].count);

async function rollupViolations() {
  const report = await runIntegrityChecks(db);
  return report.checks.find((check) => check.id === "admin-rollups-match-facts")!;
}

/** The dashboard's periods, plus periods that start mid-hour at random, in hours back from now. */
function periodsToCompare(random: ReturnType<typeof seededRandom>): number[] {
  return [...comparedPeriodsHours, ...Array.from({ length: 4 }, () => random.int(1, spreadHours * 60) / 60)];
}

describe("admin roll-ups", () => {
  it("agree with a full recount over a random history, for every period, while hours close", async () => {
    const seed = chaosSeed();
    console.log(`[rollups] seed ${seed} (replay with CHAOS_SEED=${seed})`);
    const random = seededRandom(seed);
    const { activeJobIds } = await buildHistory(sql, { random, users: 4, jobsPerUser: 120, hoursUsed: 70, spreadHours, activeShare: 0.08 });
    expect(activeJobIds.length).toBeGreaterThan(0);

    // The clock of the refresh moves forward from 40 days ago to now: hours
    // close step by step, and after each step every period agrees.
    const start = Date.now() - spreadHours * hourMs;
    let closedBefore = 0;
    for (const step of [0.25, 0.5, 0.75, 0.9, 1]) {
      const asOf = new Date(start + step * (Date.now() - start));
      await refreshAdminRollupsFully(db, { asOf });
      const closed = await closedHours();
      expect(closed).toBeGreaterThanOrEqual(closedBefore);
      closedBefore = closed;
      expect(await compareRollupsWithRecount(db, periodsToCompare(random)), `as of ${asOf.toISOString()}`).toEqual([]);
    }
    expect(closedBefore).toBeGreaterThan(20);

    // No hour in the last two minutes, and no hour with an active job, is closed.
    const tooRecent = await sql.query(`SELECT hour FROM admin_rollup_hour WHERE hour + interval '1 hour' > now() - make_interval(secs => $1)`, [closeMarginMs / 1000]);
    expect(tooRecent.rows).toEqual([]);
    const withActive = await sql.query(
      `SELECT r.hour FROM admin_rollup_hour r JOIN job j ON j.created_at >= r.hour AND j.created_at < r.hour + interval '1 hour'
       WHERE j.status IN ('PENDING', 'PROCESSING')`,
    );
    expect(withActive.rows).toEqual([]);

    // The jobs that held their hours open end now; those hours close.
    const openBefore = await sql.query<{ hours: number }>(
      `SELECT count(DISTINCT date_trunc('hour', created_at, 'UTC'))::int AS hours FROM job
       WHERE status IN ('PENDING', 'PROCESSING') AND created_at < now() - interval '2 hours'`,
    );
    await failJobsNow(sql, activeJobIds);
    const closedNow = await refreshAdminRollupsFully(db);
    expect(closedNow).toBeGreaterThanOrEqual(openBefore.rows[0]!.hours);
    expect(await compareRollupsWithRecount(db, periodsToCompare(random))).toEqual([]);
    expect((await rollupViolations()).violationCount).toBe(0);
  });

  it("agree in one snapshot while jobs are created and settled through the domain functions", async () => {
    const user = await createUser({ balance: 10_000 });
    let writing = true;
    const writer = (async () => {
      let jobs = 0;
      while (writing) {
        const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 1 + (jobs % 3) }), testConfig);
        await runJob(workerDeps(), job.id);
        jobs++;
      }
      return jobs;
    })();
    try {
      for (let round = 0; round < 5; round++) {
        await refreshAdminRollups(db);
        expect(await compareRollupsWithRecount(db)).toEqual([]);
      }
    } finally {
      writing = false;
    }
    expect(await writer).toBeGreaterThan(0);
  });

  it("close each hour once under concurrent refreshes", async () => {
    const random = seededRandom(7);
    await buildHistory(sql, { random, users: 2, jobsPerUser: 60, hoursUsed: 40, spreadHours: 24 * 3, activeShare: 0 });
    await resetAdminRollups(db, new Date(0), new Date());
    const closed = await Promise.all(Array.from({ length: 6 }, () => refreshAdminRollups(db, { hoursMax: 500 })));
    const total = closed.reduce((sum, count) => sum + count, 0);
    expect(total).toBe(await closedHours());
    expect(total).toBeGreaterThan(0);
    expect((await rollupViolations()).violationCount).toBe(0);
    expect(await compareRollupsWithRecount(db)).toEqual([]);
  });

  it("are caught out by a backdated write into a closed hour, and made right again by a reset", async () => {
    const user = await createUser({ balance: 100 });
    await refreshAdminRollupsFully(db);
    const hour = (await sql.query<{ hour: Date }>("SELECT max(hour) AS hour FROM admin_rollup_hour")).rows[0]!.hour;
    // A bulk load's backdated grant, into an hour already rolled up.
    await sql.query("BEGIN");
    await sql.query(`UPDATE workspace SET balance = balance + 5 WHERE id = $1`, [user.id]);
    await sql.query(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, actor_type, reason, created_at)
       VALUES ($1, 'GRANT', 5, 100, 105, 'SYSTEM', 'backdated', $2::timestamptz + interval '10 minutes')`,
      [user.id, hour],
    );
    await sql.query(
      `INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at)
       VALUES ($1, 'PROMOTIONAL', 10, 5, 5, 'GRANT', 'backdated', now())`,
      [user.id],
    );
    await sql.query("COMMIT");
    const broken = await rollupViolations();
    expect(broken.violations.map((violation) => violation.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/credits GRANT is \d+ in the roll-up but \d+ in the facts/)]),
    );
    const since = new Date(hour.getTime() - hourMs);
    expect(await readAdminStats(db, since)).not.toEqual(await recountAdminStats(db, since));

    expect(await resetAdminRollups(db, hour, new Date(hour.getTime() + hourMs))).toBe(1);
    await refreshAdminRollupsFully(db);
    expect((await rollupViolations()).violationCount).toBe(0);
    expect(await readAdminStats(db, since)).toEqual(await recountAdminStats(db, since));

    // A roll-up changed behind the refresh's back is caught too (here, one duration bucket).
    await sql.query("UPDATE admin_rollup_duration SET jobs[1] = jobs[1] + 1 WHERE hour = (SELECT max(hour) FROM admin_rollup_duration)");
    expect((await rollupViolations()).violations.map((violation) => violation.message)).toEqual([
      expect.stringMatching(/completed in duration bucket \d+ is \d+ in the roll-up but \d+ in the facts/),
    ]);
  });

  it("refuse to refresh outside READ COMMITTED, where a step could not see what the previous one waited for", async () => {
    await expect(
      db.$transaction(async (tx) => tx.$queryRaw`SELECT admin_rollup_refresh(1)`, { isolationLevel: "RepeatableRead" }),
    ).rejects.toThrow(/READ COMMITTED/);
  });
});

describe("duration histogram", () => {
  it("reads percentiles back within 2 % of the exact nearest-rank value", async () => {
    const random = seededRandom(11);
    const durations = Array.from({ length: 2_000 }, () => Math.round(Math.exp(Math.log(2) + random.next() * Math.log(2e6))));
    const { rows } = await sql.query<{ bucket: number; jobs: number }>(
      "SELECT admin_duration_bucket(d)::int AS bucket, count(*)::int AS jobs FROM unnest($1::float8[]) d GROUP BY 1",
      [durations],
    );
    const sorted = [...durations].sort((a, b) => a - b);
    for (const percent of [1, 10, 50, 90, 95, 99, 100]) {
      const exact = sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1]!;
      const approx = percentileFromHistogram(rows, percent)!;
      expect(Math.abs(approx - exact) / exact, `p${percent}: ${approx} vs ${exact}`).toBeLessThanOrEqual(durationRelativeErrorMax + 1e-12);
    }
    expect(percentileFromHistogram([], 50)).toBeNull();
    // Each bucket's value is inside the bucket (γ^(i-1), γ^i].
    const { rows: own } = await sql.query<{ bucket: number }>(
      "SELECT admin_duration_bucket(v)::int AS bucket FROM unnest($1::float8[]) v",
      [[bucketValueMs(1), bucketValueMs(100), bucketValueMs(400)]],
    );
    expect(own.map((row) => row.bucket)).toEqual([1, 100, 400]);
  });

  it("buckets 1 ms and less together, and never below zero", async () => {
    const { rows } = await sql.query<{ bucket: number }>(
      "SELECT admin_duration_bucket(v)::int AS bucket FROM unnest(ARRAY[-5, 0, 0.5, 1, 1.05]::float8[]) v",
    );
    expect(rows.map((row) => row.bucket)).toEqual([0, 0, 0, 0, 2]);
  });
});
