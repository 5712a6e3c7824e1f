import { spawn, type ChildProcess } from "node:child_process";

import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

import { runIntegrityChecks } from "~/server/integrity";
import { runCleanup } from "~/server/jobs/cleanup";
import { callTrpc, CookieJar } from "../../bench/http-load";
import { createSessionCookies } from "../../bench/sessions";
import { runAlone } from "../fixtures/run-alone";
import { createUser, db, testConfig } from "../helpers";

// Issue 11, "many processes, one database", at a test's size (the bench's
// `processes` scenario is the full one): 3 web processes serving the real
// tRPC route and 3 `npm run worker` processes on this test's PostgreSQL,
// the load spread across the web processes; halfway, one web process and
// one worker process are SIGKILLed. Every job still ends, every invariant
// of SPEC §3 holds, and no queue row stays locked by the dead worker.

runAlone();

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

function start(args: string[], env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", ...args], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return child;
}

async function startWeb(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = start(["tests/fixtures/web-process.ts"], {});
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`web process exited (${code})`)));
  });
  return { child, baseUrl };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string) {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("many processes, one database", () => {
  it("3 web + 3 worker processes, one of each SIGKILLed mid-run: every job ends, every invariant holds, no lock left", async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => createUser({ balance: 1_000 })));
    const sql = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await sql.connect();
    const cookies = await createSessionCookies(sql, users.map((user) => user.id), process.env.BETTER_AUTH_SECRET!);
    await sql.end();

    const webs = await Promise.all([startWeb(), startWeb(), startWeb()]);
    const workers = [0, 1, 2].map(() => start(["scripts/launch.ts", "worker"], {
      SANDBOX_LATENCY_MS: "100", WORKER_CONCURRENCY: "2", LEASE_MS: "2000", CLEANUP_INTERVAL_MS: "1000",
      DATABASE_POOL_MAX: "4", BETTER_AUTH_SECRET: undefined,
    }));
    const dead = new Set<string>();
    const alive = () => webs.filter((web) => !dead.has(web.baseUrl));
    const created: string[] = [];
    const refusedOtherwise: string[] = [];
    let lost = 0;
    // The load is counted in jobs, not seconds (a busy machine creates them
    // slower, not fewer): one web and one worker process die once a third
    // of them exist, and the rest are created without them.
    const jobsWanted = 30;
    const killAfter = 10;
    let killed = false;
    const kill = () => {
      killed = true;
      dead.add(webs[2].baseUrl);
      webs[2].child.kill("SIGKILL");
      workers[0]!.kill("SIGKILL");
    };
    await Promise.all(users.map(async (user, client) => {
      const jar = new CookieJar(cookies.get(user.id)!);
      while (created.length < jobsWanted) {
        if (!killed && created.length >= killAfter) kill();
        const live = alive();
        const input = { idempotencyKey: crypto.randomUUID(), modelId: "storyteller-v1", prompt: "many processes", outputs: 1 };
        const result = await callTrpc(live[client % live.length]!.baseUrl, "jobs.create", input, jar).catch(() => null);
        if (result === null) lost++;
        else if (result.ok) created.push((result.data as { job: { id: string } }).job.id);
        else if (result.appCode === "RATE_LIMIT_EXCEEDED" || result.appCode === "MAX_ACTIVE_JOBS") await new Promise((resolve) => setTimeout(resolve, 50));
        else refusedOtherwise.push(result.appCode);
      }
    }));
    expect(killed).toBe(true);
    expect(refusedOtherwise).toEqual([]);
    expect(created.length).toBeGreaterThanOrEqual(jobsWanted);

    // Every job ends: the surviving workers take the dead one's jobs once its leases expire.
    await until(async () => (await db.job.count({ where: { status: { in: ["PENDING", "PROCESSING"] } } })) === 0, 90_000, "every job to end");
    expect(await db.job.count({ where: { id: { in: created }, status: "COMPLETED" } })).toBe(created.length);
    // The dead pool's queue rows are unlocked by the cleanup (its heartbeat stopped two leases ago).
    await until(async () => {
      await runCleanup(db, { ...testConfig, leaseMs: 2_000 });
      const [row] = await db.$queryRaw<{ locked: number }[]>`
        SELECT count(*)::int AS locked FROM graphile_worker.jobs j
        WHERE j.locked_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM worker_process w WHERE j.locked_by = ANY (w.runner_ids))`;
      return row!.locked === 0;
    }, 30_000, "the dead worker's queue rows to be unlocked");
    const report = await runIntegrityChecks(db);
    expect(report.checks.filter((check) => check.violationCount > 0).map((check) => check.violations)).toEqual([]);
    console.log(`[many-processes] ${created.length} jobs created and completed; ${lost} requests lost with the killed web process`);

    for (const child of [...workers.slice(1), webs[0].child, webs[1].child]) child.kill("SIGTERM");
    await Promise.all([...workers.slice(1), webs[0].child, webs[1].child].map((child) =>
      new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)))));
  }, 180_000);
});
