/**
 * Applies the pending migrations of prisma/migrations/ to a database and
 * records them in `_prisma_migrations` exactly as `prisma migrate deploy`
 * does, so that the official CLI accepts the same database elsewhere.
 *
 *   npm run db:migrate   (scripts/launch.ts; also on every start)
 *
 * Plain `pg`, no schema engine (docs/decisions/0001-migration-runner.md).
 * What it does to the database, step by step as Prisma's engine does it:
 *  - takes Prisma Migrate's advisory lock (72707369) for the whole run, so
 *    concurrent starts queue instead of racing, and the official CLI and
 *    this runner never migrate one database at once;
 *  - creates `_prisma_migrations` with the engine's DDL when it is missing,
 *    and refuses a database that has tables but no history (Prisma's P3005);
 *  - refuses to run when a migration is recorded as failed (Prisma's P3009)
 *    and, stricter than `migrate deploy` (like `migrate dev`), when an
 *    applied migration's migration.sql changed since (checksum, with
 *    Prisma's tolerance for converted line endings);
 *  - sends each pending migration.sql whole, as one simple-protocol query
 *    (never split on `;`, so `$$ ... $$` bodies are fine), and records its
 *    row: id uuid v4, checksum = sha256 hex of the file, started_at,
 *    finished_at, logs NULL, applied_steps_count 1.
 *
 * One difference, on purpose: a migration and its row commit in one
 * transaction. Prisma inserts the row first and runs the script after, so a
 * crash in between leaves a "failed" row that blocks every later start; here
 * it leaves nothing, and the next start applies the migration again. A
 * migration that fails with an error is still recorded as Prisma records it
 * (its row with the error in `logs` and no finished_at) and blocks until
 * resolved. The price: a statement that cannot run in a transaction block
 * (CREATE INDEX CONCURRENTLY) cannot be in a migration.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import pg from "pg";

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "..", "..", "prisma", "migrations");

/** Prisma Migrate's advisory lock key (its schema engine takes it with a 10 s timeout). */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** The DDL Prisma's schema engine runs to create its history table on PostgreSQL. */
const CREATE_HISTORY_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export interface Migration {
  /** The folder name, e.g. 20261125000000_init. */
  name: string;
  script: string;
  checksum: string;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The folders of `dir` that hold a migration.sql, sorted by name (byte order), as Prisma sorts them. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const migrations: Migration[] = [];
  for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const bytes = await readFile(path.join(dir, name, "migration.sql")).catch(() => null);
    if (bytes === null) continue;
    const script = bytes.toString("utf8");
    if (!Buffer.from(script, "utf8").equals(bytes)) throw new Error(`${name}/migration.sql is not valid UTF-8`);
    migrations.push({ name, script, checksum: sha256Hex(script) });
  }
  return migrations;
}

/**
 * Whether `script` matches a recorded checksum with Prisma's tolerance: git
 * may have converted the line endings (LF <-> CRLF) since, and very old
 * Prisma versions wrote the digest without zero-padding each byte.
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const lf = script.replaceAll("\r\n", "\n");
  return [script, lf, lf.replaceAll("\n", "\r\n")].some((variant) => {
    const digest = createHash("sha256").update(variant).digest();
    return digest.toString("hex") === checksum || [...digest].map((b) => b.toString(16)).join("") === checksum;
  });
}

/** Creates the history table if missing; refuses a non-empty schema without one, as Prisma does. */
async function ensureHistoryTable(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = current_schema()`,
  );
  const tables = rows.map((r) => r.relname);
  if (tables.includes("_prisma_migrations")) return;
  // Like Prisma, PostGIS's own tables do not make a schema "not empty".
  const others = tables.filter((t) => !/^(spatial_ref_sys|geometry_columns)$/i.test(t));
  if (others.length > 0) {
    throw new Error(
      `Refusing to migrate: the schema has tables (${others.slice(0, 5).join(", ")}${others.length > 5 ? ", ..." : ""}) ` +
        `but no _prisma_migrations history (Prisma's P3005). Baseline it first: https://pris.ly/d/migrate-baseline`,
    );
  }
  await client.query(CREATE_HISTORY_TABLE);
}

/** The names of the applied migrations; throws when the history forbids going on. */
function checkHistory(rows: HistoryRow[], local: Migration[], log: (m: string) => void): Set<string> {
  const localByName = new Map(local.map((m) => [m.name, m]));
  const live = rows.filter((r) => r.rolled_back_at === null); // `migrate resolve --rolled-back` sets it
  const failed = live.filter((r) => r.finished_at === null);
  if (failed.length > 0) {
    const details = failed.map((r) => `  - ${r.migration_name} (started ${r.started_at.toISOString()})${r.logs ? `:\n${indent(r.logs)}` : ""}`);
    throw new Error(
      `Refusing to migrate: the database records ${failed.length} failed migration(s) (Prisma's P3009):\n${details.join("\n")}\n` +
        `Repair the database by hand if needed, then mark it rolled back (\`prisma migrate resolve --rolled-back <name>\`, ` +
        `or UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '<name>' AND finished_at IS NULL) and run again.`,
    );
  }
  const edited = live.filter((r) => {
    const mine = localByName.get(r.migration_name);
    if (!mine) log(`warning: ${r.migration_name} is applied but not in the migrations directory`);
    return mine !== undefined && !checksumMatches(mine.script, r.checksum);
  });
  if (edited.length > 0) {
    throw new Error(
      `Refusing to migrate: the migration.sql of applied migration(s) changed since they were applied (checksum mismatch): ` +
        `${edited.map((r) => r.migration_name).join(", ")}. Restore the original file(s); put further changes in a new migration.`,
    );
  }
  return new Set(live.map((r) => r.migration_name));
}

const indent = (text: string) => text.trimEnd().replace(/^(?=.)/gm, "      ");

/** A PostgreSQL error as the native schema engine writes it into `logs`. */
function describeDbError(error: unknown): string {
  const e = error as pg.DatabaseError;
  if (!(error instanceof Error) || !e.code) return String(error);
  const extra = [e.detail && `DETAIL: ${e.detail}`, e.hint && `HINT: ${e.hint}`, e.where && `CONTEXT: ${e.where}`];
  return [`Database error code: ${e.code}`, "", "Database error:", `${e.severity ?? "ERROR"}: ${e.message}`, ...extra.filter(Boolean)].join("\n");
}

/** Runs one migration and inserts its row in one transaction; on an error, records the failure and throws. */
async function applyMigration(client: pg.Client, migration: Migration): Promise<void> {
  const row = [randomUUID(), migration.checksum, migration.name, new Date()];
  const insert = `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, logs, applied_steps_count)
                  VALUES ($1, $2, $3, $4, $5, $6, $7)`;
  await client.query("BEGIN");
  try {
    await client.query(migration.script); // no parameters: the simple protocol, several statements allowed
    await client.query(insert, [...row, new Date(), null, 1]);
    await client.query("COMMIT");
  } catch (error) {
    // After a lost connection ROLLBACK fails too: nothing was applied or
    // recorded, and the caller sees the connection error (and may retry).
    await client.query("ROLLBACK").catch(() => Promise.reject(error instanceof Error ? error : new Error(String(error))));
    const logs = describeDbError(error);
    await client.query(insert, [...row, null, logs, 0]);
    throw new Error(`Migration ${migration.name} failed (recorded as failed in _prisma_migrations):\n${logs}`, { cause: error });
  }
}

export interface MigrateOptions {
  log?: (msg: string) => void;
  /** Defaults to prisma/migrations. */
  migrationsDir?: string;
}

/**
 * Applies every pending migration (by folder name) to `databaseUrl`. Resolves
 * with the names this call applied: empty when the database was up to date,
 * e.g. because a concurrent call applied them while this one waited.
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const local = await readMigrations(opts.migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "creditworks-migrate" });
  client.on("error", (e) => log(`migration connection error: ${e.message}`));
  await client.connect();
  try {
    const waitStarted = performance.now();
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]); // released with the session
    const waitedMs = Math.round(performance.now() - waitStarted);
    if (waitedMs > 100) log(`waited ${waitedMs} ms for the migration lock`);
    await ensureHistoryTable(client);
    const { rows } = await client.query<HistoryRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs FROM _prisma_migrations ORDER BY started_at`,
    );
    const done = checkHistory(rows, local, log);
    const pending = local.filter((m) => !done.has(m.name));
    if (pending.length === 0) log(`database is up to date (${local.length} migration(s))`);
    for (const migration of pending) {
      await applyMigration(client, migration);
      log(`applied ${migration.name}`);
    }
    return { applied: pending.map((m) => m.name) };
  } finally {
    await client.end().catch(() => {});
  }
}
