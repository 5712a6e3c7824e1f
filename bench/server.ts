import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

import pg from "pg";

import { startEmbeddedPostgres, type EmbeddedServer } from "../scripts/lib/embedded-postgres";
import { prepareDatabase } from "../scripts/lib/prepare-database";

const repoRoot = path.resolve(import.meta.dirname, "..");
export const benchDir = path.join(repoRoot, ".data", "bench");
let appDir = path.join(benchDir, "app");
const pgPort = 54_349;
export const appPort = 3_300;
export const databaseName = "creditworks_bench";
export const benchSecrets = {
  BETTER_AUTH_SECRET: "bench-auth-secret-bench-auth-secret-0123",
  CRON_SECRET: "bench-cron-secret-0123456789",
  METRICS_TOKEN: "bench-metrics-token-0123456789",
};
const healthWaitMs = 90_000;

/** The bench's own PostgreSQL (never the dev or e2e one) with a fresh, migrated database. */
export async function startBenchDatabase(log: (m: string) => void): Promise<{ server: EmbeddedServer; url: string }> {
  // pg_stat_statements counts the statements each request costs.
  const server = await startEmbeddedPostgres({
    dataDir: path.join(benchDir, "pg"), port: pgPort, log,
    postgresFlags: ["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track_utility=on"],
  });
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const url = server.url(databaseName);
  await prepareDatabase(url);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await db.end();
  return { server, url };
}

const buildInputs = ["src", "public", "next.config.mjs", "tsconfig.json", "tsconfig.app.json", "postcss.config.mjs", "package.json", "next-env.d.ts", ".gitignore"];

function newestMtimeMs(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(entry).reduce((newest, child) => Math.max(newest, newestMtimeMs(path.join(entry, child))), stat.mtimeMs);
}

/** The files the optimisations of bench/README.md changed: `--hot-path=<git ref>` takes them from that commit. */
const hotPathFiles = ["src/server/db.ts", "src/server/jobs/create.ts"];

/**
 * The production build, made in a copy of the sources under .data/bench/app
 * so that it never replaces the .next of the dev server or the e2e run that
 * may be using it; rebuilt only when a source is newer than the last build.
 * With `hotPathRef`, the hot-path files come from that git commit instead
 * (read with `git show`, the checkout is not touched), in .data/bench/app-<ref>.
 */
export async function ensureProductionBuild(
  env: NodeJS.ProcessEnv, log: (m: string) => void, build: { force: boolean; reuse: boolean; hotPathRef: string | null },
): Promise<void> {
  const { force, reuse, hotPathRef } = build;
  if (hotPathRef) appDir = path.join(benchDir, `app-${hotPathRef.replace(/[^\w.-]/g, "_")}`);
  const builtAt = existsSync(path.join(appDir, ".next", "BUILD_ID")) ? statSync(path.join(appDir, ".next", "BUILD_ID")).mtimeMs : 0;
  const newest = Math.max(...buildInputs.map((input) => newestMtimeMs(path.join(repoRoot, input))));
  if (!force && builtAt > 0 && (reuse || builtAt > newest)) {
    log(`production build in ${path.relative(repoRoot, appDir)} is up to date`);
    return;
  }
  log(`building the production app (next build) in ${path.relative(repoRoot, appDir)} …`);
  for (const input of buildInputs) rmSync(path.join(appDir, input), { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  for (const input of buildInputs) {
    if (existsSync(path.join(repoRoot, input))) cpSync(path.join(repoRoot, input), path.join(appDir, input), { recursive: true });
  }
  if (hotPathRef) {
    for (const file of hotPathFiles) {
      writeFileSync(path.join(appDir, file), execFileSync("git", ["show", `${hotPathRef}:${file}`], { cwd: repoRoot }));
    }
  }
  if (!existsSync(path.join(appDir, "node_modules"))) symlinkSync(path.join(repoRoot, "node_modules"), path.join(appDir, "node_modules"));
  const code = await waitExit(spawn(path.join(appDir, "node_modules/.bin/next"), ["build"], { cwd: appDir, env, stdio: ["ignore", "ignore", "inherit"] }));
  if (code !== 0) throw new Error(`next build failed (${code})`);
}

function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

export type AppProcess = { baseUrl: string; pid: number; stop: () => Promise<void> };

/** `next start` of the staged build with `env` on `port`, ready when /api/health answers. */
export async function startApp(env: NodeJS.ProcessEnv, logFile: string, port: number = appPort): Promise<AppProcess> {
  const out = createWriteStream(logFile, { flags: "a" });
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the app, written when it stops
  // (bench/profile-summary.ts reads it). NODE_OPTIONS may not carry --cpu-prof.
  const profileDir = process.env.BENCH_CPU_PROF;
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, path.join(appDir, "node_modules/next/dist/bin/next"), "start", "-p", String(port)], {
    cwd: appDir, env: { ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const baseUrl = `http://localhost:${port}`;
  const giveUpAt = Date.now() + healthWaitMs;
  while (Date.now() < giveUpAt) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}); see ${logFile}`);
    const healthy = await fetch(`${baseUrl}/api/health`).then((r) => r.ok, () => false);
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return {
    baseUrl,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await waitExit(child);
      clearTimeout(timer);
    },
  };
}
