import { spawnSync } from "node:child_process";

import pg from "pg";
import { describe, expect, it } from "vitest";

import { GET as metricsRoute } from "~/app/api/metrics/route";
import { refreshAdminRollupsFully } from "~/server/admin/rollups";
import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";
import { counters, observe } from "~/server/metrics";
import { createTestJob, pastDeadlines } from "../fixtures/jobs";
import { seededRandom } from "../chaos/random";
import { buildHistory, connect } from "../fixtures/history";
import { parsePrometheusText, sampleValue } from "../fixtures/prometheus-text";
import { callerFor, createUser, db, jobRequest, testConfig, workerDeps } from "../helpers";

const scrape = (authorization?: string) =>
  metricsRoute(new Request("http://localhost/api/metrics", { headers: authorization ? { authorization } : {} }));

describe("GET /api/metrics", () => {
  it("refuses a missing or wrong token", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("Bearer wrong-token-wrong-token")).status).toBe(401);
    expect((await scrape(`Basic ${process.env.METRICS_TOKEN}`)).status).toBe(401);
    expect((await scrape(`Bearer ${process.env.METRICS_TOKEN}x`)).status).toBe(401);
  });

  it("exports process metrics, counters, histograms and the database gauges in the Prometheus format", async () => {
    const user = await createUser({ balance: 50 });
    const done = await callerFor(user).jobs.create(jobRequest());
    await callerFor(user).jobs.create(jobRequest());
    await runJob(workerDeps(), done.job.id);
    // One job the cleanup fails past its deadline and refunds: its counters move by one each.
    const overdue = await createTestJob(user.id, {}, { jobTimeoutMs: 1_000 });
    await pastDeadlines([overdue.job.id]);
    const cleanupBefore = { ...counters };
    await runCleanup(db, testConfig);
    expect([counters.cleanupFailed, counters.cleanupRefunded, counters.cleanupRecovered]).toEqual([
      cleanupBefore.cleanupFailed + 1, cleanupBefore.cleanupRefunded + 1, cleanupBefore.cleanupRecovered,
    ]);
    observe("createLatency", 0.02);
    observe("settlementLatency", 0.004);
    observe("queueLag", 1.5);
    const oldestQueuedAge = async () =>
      (await db.$queryRaw<{ age: number }[]>`
        SELECT extract(epoch FROM now() - min(run_at))::float8 AS age FROM graphile_worker.jobs
        WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts`)[0]!.age;
    const ageBefore = await oldestQueuedAge();
    const response = await scrape(`Bearer ${process.env.METRICS_TOKEN}`);
    const ageAfter = await oldestQueuedAge();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const body = await response.text();
    // Strict: every line parses, every sample has its family, histograms are consistent.
    const families = parsePrometheusText(body);
    const typeOf = (name: string) => families.get(name)?.type;

    // Process metrics (prom-client's collectDefaultMetrics).
    expect(typeOf("process_cpu_user_seconds_total")).toBe("counter");
    expect(typeOf("process_resident_memory_bytes")).toBe("gauge");
    expect(typeOf("nodejs_eventloop_lag_seconds")).toBe("gauge");
    expect(typeOf("nodejs_heap_size_used_bytes")).toBe("gauge");

    // Counters of this process, behind the unchanged increment() API.
    expect(typeOf("creditworks_settlements_total")).toBe("counter");
    expect(sampleValue(families, "creditworks_settlements_total")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "creditworks_settlements_total")).toBe(counters.settlements);
    expect(sampleValue(families, "creditworks_conflict_retries_total")).toBe(counters.conflictRetries);
    expect(typeOf("creditworks_worker_restarts_total")).toBe("counter");
    expect(sampleValue(families, "creditworks_cleanup_jobs_total", { result: "recovered" })).toBe(counters.cleanupRecovered);
    expect(sampleValue(families, "creditworks_cleanup_jobs_total", { result: "failed" })).toBe(counters.cleanupFailed);
    expect(sampleValue(families, "creditworks_cleanup_jobs_total", { result: "refunded" })).toBe(counters.cleanupRefunded);
    expect(sampleValue(families, "creditworks_cleanup_passes_total", { result: "complete" })).toBe(counters.cleanupPassesComplete);

    // Latency histograms.
    expect(typeOf("creditworks_job_create_seconds")).toBe("histogram");
    expect(sampleValue(families, "creditworks_job_create_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "creditworks_job_create_seconds_bucket", { le: "0.025" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, "creditworks_job_settlement_seconds_bucket", { le: "0.005" })).toBeGreaterThanOrEqual(1);
    // 1.5 s lands between the 1 s and 2.5 s bounds.
    expect(sampleValue(families, "creditworks_queue_lag_seconds_bucket", { le: "2.5" })).toBeGreaterThanOrEqual(
      sampleValue(families, "creditworks_queue_lag_seconds_bucket", { le: "1" })! + 1,
    );
    expect(sampleValue(families, "creditworks_queue_lag_seconds_sum")).toBeGreaterThanOrEqual(1.5);

    // Database gauges, read at scrape time.
    expect(typeOf("creditworks_jobs")).toBe("gauge");
    expect(sampleValue(families, "creditworks_jobs", { status: "COMPLETED" })).toBe(1);
    expect(sampleValue(families, "creditworks_jobs", { status: "PENDING" })).toBe(1);
    expect(sampleValue(families, "creditworks_jobs", { status: "CANCELLED" })).toBe(0);
    expect(sampleValue(families, "creditworks_queue_depth")).toBeGreaterThanOrEqual(1);
    // The age read at scrape time lies between the ages read just before and just after it.
    expect(ageBefore).toBeGreaterThan(0);
    expect(sampleValue(families, "creditworks_queue_oldest_age_seconds")).toBeGreaterThanOrEqual(ageBefore);
    expect(sampleValue(families, "creditworks_queue_oldest_age_seconds")).toBeLessThanOrEqual(ageAfter);
    expect(sampleValue(families, "creditworks_stuck_jobs")).toBe(0);
  });

  it("counts jobs by status from the roll-ups and the open hours, equal to a count over the table", async () => {
    const sql = await connect();
    try {
      await buildHistory(sql, { random: seededRandom(3), users: 2, jobsPerUser: 40, hoursUsed: 20, spreadHours: 24 * 5, activeShare: 0.1 });
      expect(await refreshAdminRollupsFully(db)).toBeGreaterThan(0);
      const families = parsePrometheusText(await (await scrape(`Bearer ${process.env.METRICS_TOKEN}`)).text());
      const { rows } = await sql.query<{ status: string; count: number }>("SELECT status::text AS status, count(*)::int AS count FROM job GROUP BY status");
      for (const status of ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]) {
        expect(sampleValue(families, "creditworks_jobs", { status }), status).toBe(rows.find((row) => row.status === status)?.count ?? 0);
      }
    } finally {
      await sql.end();
    }
  });
});

describe("npm run integrity", () => {
  const runCli = (...args: string[]) =>
    spawnSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/integrity.ts", ...args], {
      env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL },
      encoding: "utf8",
      timeout: 60_000,
    });

  it("exits 0 on a clean database and 1 with the violation listed when an invariant breaks", async () => {
    const user = await createUser({ balance: 20 });
    const clean = runCli();
    expect(clean.stdout).toContain("Integrity checks");
    expect(clean.stdout).toContain(": OK");
    expect(clean.status).toBe(0);

    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    // Past the triggers (the balance-matches-ledger constraint trigger would refuse it).
    await client.query("BEGIN");
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query(`UPDATE workspace SET balance = 21 WHERE id = $1`, [user.id]);
    await client.query("COMMIT");
    await client.end();

    const broken = runCli();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain("VIOLATIONS FOUND");
    expect(broken.stdout).toContain(`workspace=${user.id}: balance 21 but the ledger sums to 20`);
    const json = runCli("--json", "--user", user.id);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { id: string; violationCount: number }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.id === "balance-equals-ledger")?.violationCount).toBe(1);
  });

  it("exits 2 when it cannot reach the database", () => {
    const unreachable = spawnSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/integrity.ts"], {
      env: { ...process.env, DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toContain("the checks could not run");
  });
});
