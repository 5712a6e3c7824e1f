import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { GET as cleanupRoute } from "~/app/api/cron/cleanup-stuck-jobs/route";
import { runIntegrityChecks } from "~/server/integrity";
import { createJob } from "~/server/jobs/create";
import { actingAs, createUser, db, expectConserved, testConfig } from "../helpers";
import { asAClientRetrying } from "../fixtures/errors";

/**
 * Scale-out as deployed: two `npm run worker` processes (separate Node
 * processes, separate pools, one PostgreSQL) plus the cron cleanup route
 * called over and over while they run. Every job must end, be settled once
 * and leave the books balanced; SIGTERM must stop both workers cleanly.
 */
const jobsTotal = 200;
const usersTotal = 20;
const hangingJobs = 6;
const hangingTimeoutMs = 4_000;
const allTerminalTimeoutMs = 40_000;
const cleanupPauseMs = 150;

type Worker = { via: "tsx" | "node"; child: ChildProcess; output: string[]; exited: Promise<number | null> };

/**
 * `via: "tsx"` runs the launcher like `npm run worker` does; `via: "node"`
 * like the systemd unit and the Procfile (`node --import tsx …`: one process,
 * no signal relay in between).
 */
function startWorkerProcess(via: "tsx" | "node"): Worker {
  const [command, args] = via === "tsx"
    ? ["node_modules/.bin/tsx", ["--conditions=react-server", "scripts/launch.ts", "worker"]]
    : [process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/launch.ts", "worker"]];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      SANDBOX_LATENCY_MS: "5",
      WORKER_CONCURRENCY: "4",
      DATABASE_POOL_MAX: "8",
      LEASE_MS: "3000",
      // A worker needs only what it uses: no session secret.
      BETTER_AUTH_SECRET: undefined,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own, so that cleanup can kill everything.
    detached: true,
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { via, child, output, exited };
}

/** The pid of the node process that runs the worker (tsx's child, or node itself). */
function workerPid(worker: Worker): number {
  if (worker.via === "node") return worker.child.pid!;
  const children = execFileSync("pgrep", ["-P", String(worker.child.pid)], { encoding: "utf8" }).trim().split("\n");
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const startedAt = Date.now();
  while (!(await condition())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const workers: Worker[] = [];
afterAll(() => {
  for (const worker of workers) if (worker.child.exitCode === null) process.kill(-worker.child.pid!, "SIGKILL");
});

describe("two standalone worker processes and the cleanup route", () => {
  it(`settle ${jobsTotal} jobs exactly once each, then shut down gracefully`, async () => {
    // One after the other: the launcher seeds, and two seeds racing to
    // create the same demo account would make one of them fail.
    workers.push(startWorkerProcess("tsx"));
    await waitUntil(() => workers[0]!.output.join("").includes("worker started"), 30_000, "the first worker");
    workers.push(startWorkerProcess("node"));

    const users = await Promise.all(Array.from({ length: usersTotal }, () => createUser({ balance: 1_000 })));
    const prompts = ["a quiet harbour", "a storm #fail", "four panels #fail-output-2"];
    const created = await Promise.all(
      Array.from({ length: jobsTotal }, (_, index) => {
        const hanging = index < hangingJobs;
        const request = {
          idempotencyKey: randomUUID(),
          modelId: index % 2 === 0 ? "storyteller-v1" : "canvas-v1",
          prompt: hanging ? "forever #hang" : prompts[index % prompts.length]!,
          outputs: 1 + (index % 4),
        };
        // 200 at once from one process: on a busy machine some wait past the
        // pool's bounds and are answered CONFLICT_RETRY, which a client repeats.
        return asAClientRetrying(() =>
          createJob(db, actingAs(users[index % usersTotal]!.id), request, hanging ? { ...testConfig, jobTimeoutMs: hangingTimeoutMs } : testConfig),
        );
      }),
    );
    const jobIds = created.map((result) => result.job.id);
    expect(new Set(jobIds).size).toBe(jobsTotal);

    let cleanupCalls = 0;
    let done = false;
    const cleanupLoop = (async () => {
      while (!done) {
        const responses = await Promise.all(
          [0, 1].map(() =>
            cleanupRoute(new Request("http://localhost/api/cron/cleanup-stuck-jobs", {
              headers: { authorization: `Bearer ${process.env.CRON_SECRET}` },
            })),
          ),
        );
        // 503 is the typed "retry later" of a pass that met a database too busy to answer in time; the scheduler calls again.
        for (const response of responses) expect([200, 503]).toContain(response.status);
        cleanupCalls += responses.length;
        await new Promise((resolve) => setTimeout(resolve, cleanupPauseMs));
      }
    })();
    try {
      await waitUntil(
        async () => (await db.job.count({ where: { id: { in: jobIds }, status: { in: ["PENDING", "PROCESSING"] } } })) === 0,
        allTerminalTimeoutMs,
        "every job to finish",
      );
    } finally {
      done = true;
      await cleanupLoop;
    }
    // At least one round of two concurrent calls ran while the workers settled.
    expect(cleanupCalls).toBeGreaterThanOrEqual(2);

    const perJob = await db.$queryRaw<{ id: string; charges: number; refunds: number; settled: number }[]>`
      SELECT j.id::text AS id,
        (SELECT count(*)::int FROM ledger_entry l WHERE l.job_id = j.id AND l.kind = 'CHARGE') AS charges,
        (SELECT count(*)::int FROM ledger_entry l WHERE l.job_id = j.id AND l.kind = 'REFUND') AS refunds,
        (SELECT count(*)::int FROM job_event e WHERE e.job_id = j.id AND e.type = 'settled') AS settled
      FROM job j`;
    expect(perJob).toHaveLength(jobsTotal);
    for (const job of perJob) {
      expect(job, job.id).toMatchObject({ charges: 1, settled: 1 });
      expect(job.refunds, job.id).toBeLessThanOrEqual(1);
    }
    const timedOut = await db.job.count({ where: { id: { in: jobIds.slice(0, hangingJobs) }, status: "FAILED", errorCode: "TIMEOUT" } });
    expect(timedOut).toBe(hangingJobs);
    // Both processes took work.
    const claimers = await db.jobEvent.findMany({ where: { type: "claimed" }, distinct: ["workerId"], select: { workerId: true } });
    expect(claimers.length).toBeGreaterThanOrEqual(2);
    for (const user of users) await expectConserved(user.id, expect);
    const report = await runIntegrityChecks(db);
    expect(report.checks.filter((check) => check.violationCount > 0)).toEqual([]);

    // SIGTERM goes to the process running the worker. Under tsx that is the
    // CLI's child: the tsx CLI relays a signal it receives itself but
    // SIGKILLs its child when the child does not acknowledge within 30 ms,
    // which a busy 2-core machine misses now and then — hence the
    // `node --import tsx` form in the systemd unit and the Procfile.
    for (const worker of workers) process.kill(workerPid(worker), "SIGTERM");
    const codes = await Promise.all(workers.map((worker) => worker.exited));
    expect(codes, workers.map((worker) => worker.output.join("").slice(-2_000)).join("\n---\n")).toEqual([0, 0]);
    expect(workers.every((worker) => worker.output.join("").includes("worker stopped"))).toBe(true);
  });
});
