import { spawnSync } from "node:child_process";

import pg from "pg";
import { describe, expect, it } from "vitest";

import { GET as metricsRoute } from "~/app/api/metrics/route";
import { runCleanup } from "~/server/jobs/cleanup";
import { runJob } from "~/server/jobs/run";
import { callerFor, createUser, db, jobRequest, testConfig, workerDeps } from "../helpers";

const scrape = (authorization?: string) =>
  metricsRoute(new Request("http://localhost/api/metrics", { headers: authorization ? { authorization } : {} }));

describe("GET /api/metrics", () => {
  it("refuses a missing or wrong token", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("Bearer wrong-token-wrong-token")).status).toBe(401);
    expect((await scrape(`Basic ${process.env.METRICS_TOKEN}`)).status).toBe(401);
  });

  it("exports jobs by status, queue depth, settlements, retries and cleanup results in Prometheus format", async () => {
    const user = await createUser({ balance: 50 });
    const done = await callerFor(user).jobs.create(jobRequest());
    await callerFor(user).jobs.create(jobRequest());
    await runJob(workerDeps(), done.job.id);
    await runCleanup(db, testConfig);
    const response = await scrape(`Bearer ${process.env.METRICS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const body = await response.text();
    expect(body).toContain('# TYPE creditworks_jobs gauge');
    expect(body).toContain('creditworks_jobs{status="COMPLETED"} 1');
    expect(body).toContain('creditworks_jobs{status="PENDING"} 1');
    expect(body).toMatch(/^creditworks_queue_depth [1-9]\d*$/m);
    expect(body).toMatch(/^creditworks_settlements_total [1-9]\d*$/m);
    expect(body).toMatch(/^creditworks_conflict_retries_total \d+$/m);
    expect(body).toMatch(/^creditworks_cleanup_jobs_total\{result="recovered"\} \d+$/m);
    expect(body).toMatch(/^creditworks_stuck_jobs 0$/m);
    // Every sample line is `name{labels} number`.
    for (const line of body.trim().split("\n").filter((row) => !row.startsWith("#"))) {
      expect(line).toMatch(/^[a-z_]+(\{[a-z]+="[^"]*"\})? \d+(\.\d+)?$/);
    }
  });
});

describe("npm run integrity", () => {
  const runCli = (...args: string[]) =>
    spawnSync("node_modules/.bin/tsx", ["scripts/integrity.ts", ...args], {
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
    await client.query(`UPDATE "user" SET balance = 21 WHERE id = $1`, [user.id]);
    await client.query("COMMIT");
    await client.end();

    const broken = runCli();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain("VIOLATIONS FOUND");
    expect(broken.stdout).toContain(`user=${user.id}: balance 21 but the ledger sums to 20`);
    const json = runCli("--json", "--user", user.id);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { id: string; violationCount: number }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.id === "balance-equals-ledger")?.violationCount).toBe(1);
  });

  it("exits 2 when it cannot reach the database", () => {
    const unreachable = spawnSync("node_modules/.bin/tsx", ["scripts/integrity.ts"], {
      env: { ...process.env, DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toContain("the checks could not run");
  });
});
