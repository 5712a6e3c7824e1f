import { spawn, type ChildProcess } from "node:child_process";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { createJob } from "~/server/jobs/create";
import { freePort } from "../../scripts/lib/free-port";
import { parsePrometheusText, sampleValue } from "../fixtures/prometheus-text";
import { actingAs, createUser, db, testConfig } from "../helpers";

/**
 * Two `npm run worker` processes (as the systemd unit starts them), each
 * serving its own metrics on WORKER_METRICS_PORT: each reports exactly the
 * settlements it made, so their counters add up to every job in
 * Prometheus; the endpoint fails closed on a wrong or missing token.
 */
const jobsTotal = 30;
const allTerminalTimeoutMs = 40_000;

type Worker = { child: ChildProcess; port: number; output: string[]; exited: Promise<number | null> };

function startWorker(port: number): Worker {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/launch.ts", "worker"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      SANDBOX_LATENCY_MS: "5",
      WORKER_CONCURRENCY: "4",
      DATABASE_POOL_MAX: "6",
      WORKER_METRICS_PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, port, output, exited };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const startedAt = Date.now();
  while (!(await condition())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const scrape = (worker: Worker, authorization?: string, path = "/metrics") =>
  fetch(`http://127.0.0.1:${worker.port}${path}`, { headers: authorization ? { authorization } : {} });

const workers: Worker[] = [];
afterAll(() => {
  for (const worker of workers) if (worker.child.exitCode === null) process.kill(-worker.child.pid!, "SIGKILL");
});

describe("a worker process's metrics endpoint", () => {
  it("reports the settlements that process made; two processes add up to every job", async () => {
    workers.push(startWorker(await freePort()));
    await waitUntil(() => workers[0]!.output.join("").includes("worker started"), 30_000, "the first worker");
    workers.push(startWorker(await freePort()));
    await waitUntil(() => workers[1]!.output.join("").includes("worker started"), 30_000, "the second worker");

    // Fails closed on anything but the configured token.
    const [first] = workers;
    expect((await scrape(first!)).status).toBe(401);
    expect((await scrape(first!, "Bearer wrong-token-wrong-token")).status).toBe(401);
    expect((await scrape(first!, `Basic ${process.env.METRICS_TOKEN}`)).status).toBe(401);
    expect((await scrape(first!, `Bearer ${process.env.METRICS_TOKEN}`, "/other")).status).toBe(404);

    const users = await Promise.all(Array.from({ length: 5 }, () => createUser({ balance: 1_000 })));
    const created = await Promise.all(
      Array.from({ length: jobsTotal }, (_, index) =>
        createJob(db, actingAs(users[index % users.length]!.id), {
          idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: `metrics ${index}`, outputs: 1 + (index % 3),
        }, testConfig),
      ),
    );
    const jobIds = created.map((result) => result.job.id);
    await waitUntil(
      async () => (await db.job.count({ where: { id: { in: jobIds }, status: { in: ["PENDING", "PROCESSING"] } } })) === 0,
      allTerminalTimeoutMs,
      "every job to be settled",
    );

    let sum = 0;
    for (const worker of workers) {
      const response = await scrape(worker, `Bearer ${process.env.METRICS_TOKEN}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      const families = parsePrometheusText(await response.text());
      // A worker exports its process and its counters, not the database gauges (the web process has those).
      expect(families.get("process_cpu_user_seconds_total")?.type).toBe("counter");
      expect(families.has("creditworks_jobs")).toBe(false);
      const reported = sampleValue(families, "creditworks_settlements_total")!;
      // What this process settled, by the worker ids it claims under (`<host>-<pid>-<random>`).
      const { count } = (await db.$queryRaw<{ count: number }[]>`
        SELECT count(*)::int AS count FROM job_event
        WHERE type = 'settled' AND worker_id LIKE ${`${hostname()}-${worker.child.pid}-%`}`)[0]!;
      expect(reported, worker.output.join("").slice(-1_000)).toBe(count);
      sum += reported;
    }
    expect(sum).toBe(jobsTotal);

    for (const worker of workers) process.kill(worker.child.pid!, "SIGTERM");
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);
  });
});
