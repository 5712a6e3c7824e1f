/**
 * The one entry point a new machine needs: `npm start`, `npm run dev`,
 * `npm run build`, `npm run worker`, `npm run db:migrate`, `npm run db:seed`.
 * It resolves the database (DATABASE_URL, or an embedded PostgreSQL in
 * .data/), applies migrations, seeds, and then runs the command with a
 * complete, validated environment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

import { listenHost, nextServeArgs } from "./lib/listen-host";
import { resolveLocalEnvironment } from "./lib/local-env";
import { startOutboxEcho } from "./lib/outbox-echo";
import { prepareDatabase } from "./lib/prepare-database";

const command = process.argv[2] ?? "start";
const commands = ["dev", "start", "build", "worker", "migrate", "seed"] as const;
type Command = (typeof commands)[number];

const log = (message: string) => console.log(`[creditworks] ${message}`);

function run(bin: string, args: string[]): ChildProcess {
  return spawn(bin, args, { stdio: "inherit", env: process.env });
}

function waitFor(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function main(): Promise<number> {
  if (!commands.includes(command as Command)) {
    console.error(`Unknown command "${command}". Use one of: ${commands.join(", ")}`);
    return 2;
  }
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  const embedded = await resolveLocalEnvironment(log);
  const stopDatabase = async () => embedded?.stop().catch(() => {});
  try {
    // Validate the whole environment before doing anything with it.
    const { parseEnv } = await import("../src/env.js");
    const env = parseEnv(process.env);
    const { applied } = await retryWhileUnreachable("migrations", () => prepareDatabase(env.DATABASE_URL, log));
    if (applied.length > 0) log(`Applied migrations: ${applied.join(", ")}`);
    if (command === "migrate") return 0;
    // A worker takes jobs; seeding accounts is the web process's business.
    if (command === "worker") return await runStandaloneWorker();
    const { seed } = await import("../prisma/seed");
    await retryWhileUnreachable("seed", () => seed(log));
    if (command === "seed") return 0;
    // The local run's mails, for `npm start`, whose server never serves /dev/outbox.
    const outboxDir = embedded && command === "start" && !process.env.SMTP_URL ? (process.env.MAIL_OUTBOX_DIR ?? null) : null;
    return await runNext(command as "dev" | "start" | "build", env, { host: listenHost(process.env, embedded !== null), outboxDir });
  } finally {
    await stopDatabase();
  }
}

async function runNext(
  mode: "dev" | "start" | "build",
  env: { PORT: number; APP_URL: string },
  { host, outboxDir }: { host: string | null; outboxDir: string | null },
): Promise<number> {
  const next = "node_modules/.bin/next";
  if (mode === "build" || (mode === "start" && buildIsStale())) {
    log("Building the app (the sources changed since the last build) …");
    const built = await waitFor(run(next, ["build"]));
    if (built !== 0 || mode === "build") return built;
  }
  // APP_URL defaults to http://localhost:$PORT (src/env.js): what is
  // printed is where the origin checks expect the browser to be.
  const child = run(next, nextServeArgs(mode, env.PORT, host));
  log(`Serving on ${env.APP_URL}${host === "localhost" ? " (this machine only; HOSTNAME=0.0.0.0 opens it to the network)" : ""}`);
  if (outboxDir) {
    await startOutboxEcho(outboxDir, log);
    log(`Mails are written to ${path.relative(process.cwd(), outboxDir)}/ and printed here.`);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      child.kill(signal);
      // The app releases its workers' leases and exits; one that does not is
      // not waited for past this, so stopping takes seconds, not minutes.
      setTimeout(() => child.kill("SIGKILL"), childStopMs).unref();
    });
  }
  return waitFor(child);
}

const childStopMs = 4_000;
const unreachableRetryMs = 1_000;
const unreachableGiveUpMs = 120_000;

/**
 * Runs a startup step again while the database is unreachable (starting,
 * restarting, a dropped connection), for up to two minutes, so that a
 * process started together with its database, or during a restart, comes
 * up instead of exiting.
 */
async function retryWhileUnreachable<T>(what: string, step: () => Promise<T>): Promise<T> {
  const { isTransientConnectionError } = await import("../src/server/database/errors");
  const startedAt = Date.now();
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isTransientConnectionError(error) || Date.now() - startedAt > unreachableGiveUpMs) throw error;
      log(`${what}: the database is not reachable yet (${(error as Error).message}); retrying …`);
      await new Promise((resolve) => setTimeout(resolve, unreachableRetryMs));
    }
  }
}

const buildInputs = ["src", "public", "next.config.mjs", "package.json", "prisma/schema.prisma"];

function newestMtimeMs(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(entry)) newest = Math.max(newest, newestMtimeMs(path.join(entry, child)));
  return newest;
}

/** `npm start` rebuilds when there is no build or a source is newer than it. */
function buildIsStale(): boolean {
  if (process.argv.includes("--rebuild") || !existsSync(".next/BUILD_ID")) return true;
  const builtAt = statSync(".next/BUILD_ID").mtimeMs;
  return buildInputs.some((input) => newestMtimeMs(input) > builtAt);
}

async function runStandaloneWorker(): Promise<number> {
  const { startStandaloneWorker } = await import("../src/server/queue/standalone");
  const { env } = await import("../src/env.js");
  const { startMetricsServer } = await import("../src/server/ops/metrics-server");
  // Its own scrape endpoint: a worker has no web server, and the
  // settlements it makes are counted in this process only.
  const metrics = env.WORKER_METRICS_PORT ? await startMetricsServer({ port: env.WORKER_METRICS_PORT, token: env.METRICS_TOKEN }) : null;
  if (metrics) log(`Worker metrics on :${metrics.port}/metrics (Bearer METRICS_TOKEN)`);
  const handle = await startStandaloneWorker();
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
  });
  log("Stopping the worker: releasing leases …");
  await handle.stop();
  await metrics?.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[creditworks] ${error instanceof Error ? error.message : `failed: ${String(error)}`}`);
    process.exit(1);
  },
);
