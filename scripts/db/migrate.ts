/**
 * Applies the pending migrations of prisma/migrations/ to a database, the way
 * `prisma migrate deploy` does, without the native schema engine.
 *
 *   DATABASE_URL=postgres://... tsx scripts/db/migrate.ts
 *
 * Implementation choice: the migrations are applied by Prisma's own
 * WebAssembly schema engine (`SchemaEngine#applyMigrations`, see
 * ./schema-engine.ts), not by a hand-written runner. It is fast (~0.1 s to
 * start the engine and apply the current history on a fresh database) and it
 * is the very code `prisma migrate deploy` runs, so `_prisma_migrations` is
 * created and filled exactly as Prisma does it (id = uuid v4, checksum =
 * sha256 hex of migration.sql, started_at, finished_at, logs on failure,
 * applied_steps_count = 1) and the official CLI accepts the database later.
 * Each migration.sql is sent whole, as one multi-statement simple-protocol
 * query (never split on `;`, so `$$ ... $$` plpgsql bodies are fine), which
 * PostgreSQL runs as one implicit transaction: a failing migration leaves no
 * partial schema behind, only its `_prisma_migrations` row marked as failed
 * (as with Prisma, a statement that refuses to run in a transaction block,
 * e.g. CREATE INDEX CONCURRENTLY, must then be alone in its migration).
 *
 * Around the engine we add what `migrate deploy` does not do, on a separate
 * plain `pg` connection:
 *  - a session advisory lock held for the whole run, so that two processes
 *    starting at once do not race. Its key is not Prisma's 72707369: the
 *    engine takes that one itself, on its own connection, when it starts
 *    (which also keeps us mutually exclusive with the official CLI); taking
 *    the same key here would make the engine wait for us, forever;
 *  - refusing to run when an applied migration's migration.sql was edited
 *    (checksum mismatch) or a migration is recorded as failed (Prisma would
 *    also refuse the latter, with P3009 and a less direct message).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import pg from "pg";

import {
  listMigrationNames,
  MIGRATIONS_DIR,
  NO_FILTER,
  openSchemaEngine,
  type MigrationList,
} from "./schema-engine";

/** Advisory lock key of this runner ("CWMG"); Prisma's own is 72707369. */
export const MIGRATE_LOCK_KEY = 0x43574d47;

export interface MigrateOptions {
  log?: (msg: string) => void;
  /** Defaults to prisma/migrations. */
  migrationsDir?: string;
}

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  started_at: Date;
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Whether `script` matches a recorded checksum, with the same tolerance as
 * Prisma's schema engine: line endings may have been converted by git
 * (LF <-> CRLF), and very old Prisma versions rendered the digest without
 * zero-padding each byte.
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const variants = new Set([
    script,
    script.replaceAll("\r\n", "\n"),
    script.replaceAll("\r\n", "\n").replaceAll("\n", "\r\n"),
  ]);
  for (const variant of variants) {
    const digest = createHash("sha256").update(variant).digest();
    if (digest.toString("hex") === checksum) return true;
    if ([...digest].map((b) => b.toString(16)).join("") === checksum) return true;
  }
  return false;
}

async function readLocalMigrations(dir: string): Promise<LocalMigration[]> {
  const names = await listMigrationNames(dir);
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(path.join(dir, name, "migration.sql"));
      const script = bytes.toString("utf8");
      // The engine checksums the text it is given; make sure that is the file.
      if (!Buffer.from(script, "utf8").equals(bytes)) {
        throw new Error(`${name}/migration.sql is not valid UTF-8`);
      }
      return { name, script, checksum: sha256Hex(bytes) };
    }),
  );
}

function migrationsList(dir: string, migrations: LocalMigration[], lockfile: string | null): MigrationList {
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: m.script } },
    })),
  };
}

async function readAppliedRows(client: pg.Client): Promise<AppliedRow[]> {
  const { rows } = await client.query<{ t: string | null }>(
    `SELECT to_regclass('_prisma_migrations')::text AS t`,
  );
  if (!rows[0]?.t) return [];
  const result = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, logs, started_at
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return result.rows;
}

/** Throws when the recorded history forbids applying anything. */
function checkHistory(applied: AppliedRow[], local: LocalMigration[], log: (m: string) => void): Set<string> {
  const localByName = new Map(local.map((m) => [m.name, m]));
  const done = new Set<string>();
  const failed: AppliedRow[] = [];
  const edited: string[] = [];
  for (const row of applied) {
    if (row.rolled_back_at !== null) continue; // resolved with `migrate resolve --rolled-back`
    if (row.finished_at === null) {
      failed.push(row);
      continue;
    }
    done.add(row.migration_name);
    const mine = localByName.get(row.migration_name);
    if (!mine) {
      log(`warning: ${row.migration_name} is applied but not in the migrations directory`);
    } else if (!checksumMatches(mine.script, row.checksum)) {
      edited.push(row.migration_name);
    }
  }
  if (failed.length > 0) {
    const details = failed
      .map((r) => `  - ${r.migration_name} (started ${r.started_at.toISOString()})${r.logs ? `:\n${indent(r.logs)}` : ""}`)
      .join("\n");
    throw new Error(
      `Refusing to migrate: the database records ${failed.length} failed migration(s):\n${details}\n` +
        `Repair the database by hand, then mark the migration rolled back ` +
        `(UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '...', ` +
        `or \`prisma migrate resolve --rolled-back <name>\`) and run again.`,
    );
  }
  if (edited.length > 0) {
    throw new Error(
      `Refusing to migrate: migration.sql of already applied migration(s) changed since they were applied ` +
        `(checksum mismatch): ${edited.join(", ")}. Restore the original file(s); ` +
        `put further changes in a new migration (tsx scripts/db/diff.ts --name ...).`,
    );
  }
  return done;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
}

/**
 * Applies every pending migration of prisma/migrations (sorted by folder
 * name) to `databaseUrl`, recording them in `_prisma_migrations`. Resolves
 * with the names of the migrations applied by this call (empty when the
 * database was up to date, e.g. because a concurrent call applied them).
 */
export async function migrate(
  databaseUrl: string,
  opts: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const dir = opts.migrationsDir ?? MIGRATIONS_DIR;
  const local = await readLocalMigrations(dir);
  const lockfile = await readFile(path.join(dir, "migration_lock.toml"), "utf8").catch(() => null);
  if (lockfile !== null && !/^\s*provider\s*=\s*"postgresql"\s*$/m.test(lockfile)) {
    throw new Error(`${path.join(dir, "migration_lock.toml")} is not for provider "postgresql"`);
  }

  const client = new pg.Client({ connectionString: databaseUrl, application_name: "creditworks-migrate" });
  client.on("error", (e) => log(`lock connection error: ${e.message}`));
  await client.connect();
  try {
    const t0 = performance.now();
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK_KEY]);
    const waited = performance.now() - t0;
    if (waited > 100) log(`waited ${Math.round(waited)} ms for the migration lock`);
    try {
      const done = checkHistory(await readAppliedRows(client), local, log);
      const pending = local.filter((m) => !done.has(m.name));
      if (pending.length === 0) {
        log(`database is up to date (${local.length} migration(s))`);
        return { applied: [] };
      }
      log(`applying ${pending.length} migration(s): ${pending.map((m) => m.name).join(", ")}`);
      const handle = await openSchemaEngine({ connectionString: databaseUrl });
      try {
        const { appliedMigrationNames } = await handle.engine.applyMigrations({
          migrationsList: migrationsList(dir, local, lockfile),
          filters: NO_FILTER,
        });
        for (const name of appliedMigrationNames) log(`applied ${name}`);
        return { applied: appliedMigrationNames };
      } catch (error) {
        throw new Error(`Migration failed: ${engineErrorMessage(error)}`, { cause: error });
      } finally {
        await handle.close();
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The engine's errors read "external connector error\n<the database error>\n
 * <span trace naming the migration>"; put the useful parts first.
 */
function engineErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string }).code;
  const lines = error.message.split("\n");
  const traceAt = lines.findIndex((l) => /^\s+\d+: /.test(l));
  const body = (traceAt >= 0 ? lines.slice(0, traceAt) : lines)
    .filter((l) => l.trim() !== "external connector error")
    .join("\n")
    .trim();
  const migration = /migration_name="([^"]+)"/.exec(error.message)?.[1];
  return `${migration ? `${migration}: ` : ""}${code ? `[${code}] ` : ""}${body}`;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set");
    process.exit(2);
  }
  const started = performance.now();
  migrate(url, { log: (m) => console.log(m) }).then(
    ({ applied }) => {
      const ms = Math.round(performance.now() - started);
      console.log(applied.length ? `applied ${applied.length} migration(s) in ${ms} ms` : `nothing to apply (${ms} ms)`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
