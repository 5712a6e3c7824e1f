/**
 * `npm run integrity` — runs the integrity checks of SPEC §3 against a
 * database and exits non-zero when any invariant is broken, so a scheduler
 * or CI can alert on it. Read-only.
 *
 *   npm run integrity                       # DATABASE_URL, or the embedded .data/ database
 *   npm run integrity -- --json             # machine-readable report
 *   npm run integrity -- --job <id> | --user <id>
 *
 * Exit codes: 0 clean, 1 violations found, 2 the checks could not run.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { PrismaClient } from "../src/generated/prisma/client";
import { formatIntegrityReport, runIntegrityChecks } from "../src/server/integrity";
import type { EmbeddedServer } from "./lib/embedded-postgres";
import { resolveLocalEnvironment } from "./lib/local-env";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    job: { type: "string" },
    user: { type: "string" },
    "grace-ms": { type: "string" },
    "max-violations": { type: "string" },
  },
});

const log = (message: string) => console.error(`[integrity] ${message}`);

const embeddedPort = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
const connectTimeoutMs = 2_000;

/**
 * When `npm start` already runs the embedded PostgreSQL, connect to it
 * rather than starting a second server on the same data directory.
 */
async function runningEmbeddedUrl(): Promise<string | null> {
  const url = `postgresql://postgres:postgres@127.0.0.1:${embeddedPort}/creditworks`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    return url;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function main(): Promise<number> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  let embedded: EmbeddedServer | null = null;
  if (!process.env.DATABASE_URL) {
    const running = await runningEmbeddedUrl();
    if (running) process.env.DATABASE_URL = running;
    else embedded = await resolveLocalEnvironment(log);
  }
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL, max: 2 }) });
  try {
    const report = await runIntegrityChecks(client, {
      jobId: values.job ?? null,
      // --user: a user's personal workspace has their id (decision 0012, step 1).
      workspaceId: values.user ?? null,
      overdueGraceMs: values["grace-ms"] ? Number(values["grace-ms"]) : undefined,
      violationsMax: values["max-violations"] ? Number(values["max-violations"]) : undefined,
    });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatIntegrityReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await client.$disconnect();
    await embedded?.stop().catch(() => {});
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`the checks could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
