import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { isTransientConnectionError } from "~/server/database/errors";
import { migrate, PRISMA_MIGRATE_LOCK_KEY, readMigrations } from "../../scripts/db/migrate";
import { NO_FILTER, openSchemaEngine, readMigrationsList, readSchemaFiles } from "../../scripts/db/schema-engine";
import { sleep } from "../fixtures/concurrency";
import { withDatabase } from "../setup/databases";

// The migration runner (scripts/db/migrate.ts, plain pg) against a real
// PostgreSQL, and Prisma's own schema engine (WebAssembly) as the judge of
// whether the database it leaves is one `prisma migrate deploy` / `migrate
// status` accept: docs/decisions/0001-migration-runner.md.

const adminUrl = inject("pgAdminUrl");
const databases: string[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  for (const name of databases) await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

async function query<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params?: unknown[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  const name = `migrate_${randomBytes(5).toString("hex")}`;
  await query(adminUrl, `CREATE DATABASE ${name}`);
  databases.push(name);
  return withDatabase(adminUrl, name);
}

/** A migrations directory of its own: folder name → migration.sql. */
function migrationsDir(migrations: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "creditworks-migrations-"));
  tempDirs.push(dir);
  writeFileSync(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
  for (const [name, script] of Object.entries(migrations)) writeMigration(dir, name, script);
  return dir;
}

function writeMigration(dir: string, name: string, script: string): void {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), script);
}

type Row = {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
};

const history = (url: string) => query<Row>(url, "SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name");
const tableExists = async (url: string, table: string) =>
  (await query<{ t: string | null }>(url, "SELECT to_regclass($1)::text AS t", [table]))[0]!.t !== null;

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** `_prisma_migrations` as the schema engine creates it (its PostgreSQL DDL), read back from the catalog. */
const historyTableColumns = `
  SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
    FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`;

describe("the migration runner", () => {
  const names = () => readMigrations().then((ms) => ms.map((m) => m.name));
  let migrated: string;

  beforeAll(async () => {
    migrated = await freshDatabase();
  });

  it("applies every migration to a fresh database and records each as Prisma does", async () => {
    const { applied } = await migrate(migrated);
    expect(applied).toEqual(await names());
    expect(applied.length).toBeGreaterThanOrEqual(18);

    expect(await query(migrated, historyTableColumns)).toEqual([
      { column_name: "id", data_type: "character varying", length: 36, is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", length: 64, is_nullable: "NO", column_default: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", length: null, is_nullable: "YES", column_default: null },
      { column_name: "migration_name", data_type: "character varying", length: 255, is_nullable: "NO", column_default: null },
      { column_name: "logs", data_type: "text", length: null, is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", length: null, is_nullable: "YES", column_default: null },
      { column_name: "started_at", data_type: "timestamp with time zone", length: null, is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", length: null, is_nullable: "NO", column_default: "0" },
    ]);
    const rows = await history(migrated);
    expect(rows.map((r) => r.migration_name)).toEqual(applied);
    for (const row of rows) {
      const file = readFileSync(path.join("prisma", "migrations", row.migration_name, "migration.sql"));
      expect(row).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
      expect(row.id).toMatch(uuidV4);
      expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it("does nothing on a second run", async () => {
    const before = await history(migrated);
    expect(await migrate(migrated)).toEqual({ applied: [] });
    expect(await history(migrated)).toEqual(before);
  });

  it("applies each migration once when several runs start at once", async () => {
    const url = await freshDatabase();
    const runs = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(runs.flatMap((r) => r.applied).sort()).toEqual(await names());
    const rows = await history(url);
    expect(rows.map((r) => r.migration_name)).toEqual(await names());
  });

  it("waits while another session holds Prisma Migrate's advisory lock, as during `prisma migrate deploy`", async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({ "20200101000000_a": "CREATE TABLE a (id int);\n" });
    const cli = new pg.Client({ connectionString: url });
    await cli.connect();
    try {
      await cli.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
      let settled = false;
      const run = migrate(url, { migrationsDir: dir }).finally(() => (settled = true));
      await sleep(500);
      expect(settled).toBe(false);
      expect(await tableExists(url, "_prisma_migrations")).toBe(false);
      await cli.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
      expect(await run).toEqual({ applied: ["20200101000000_a"] });
    } finally {
      await cli.end();
    }
  });

  it("refuses to run when an applied migration's file changed, but not when only its line endings did", async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({ "20200101000000_a": "CREATE TABLE a (id int);\nCREATE TABLE a2 (id int);\n" });
    await migrate(url, { migrationsDir: dir });

    writeMigration(dir, "20200101000000_a", "CREATE TABLE a (id int);\r\nCREATE TABLE a2 (id int);\r\n");
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: [] });

    writeMigration(dir, "20200101000000_a", "CREATE TABLE a (id bigint);\nCREATE TABLE a2 (id int);\n");
    writeMigration(dir, "20200101000100_b", "CREATE TABLE b (id int);\n");
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/changed since they were applied.*20200101000000_a/);
    expect(await tableExists(url, "b")).toBe(false);
    expect((await history(url)).map((r) => r.migration_name)).toEqual(["20200101000000_a"]);
  });

  it("records a failed migration as Prisma does, keeps none of it, and refuses to run until it is resolved", async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({
      "20200101000000_a": "CREATE TABLE a (id int);\n",
      "20200101000100_bad": "CREATE TABLE b (id int);\nINSERT INTO nope VALUES (1);\n",
      "20200101000200_c": "CREATE TABLE c (id int);\n",
    });
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/20200101000100_bad failed[\s\S]*relation "nope" does not exist/);

    const [a, bad, ...rest] = await history(url);
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ migration_name: "20200101000000_a", applied_steps_count: 1 });
    expect(bad).toMatchObject({ migration_name: "20200101000100_bad", finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(bad!.logs).toMatch(/42P01[\s\S]*relation "nope" does not exist/);
    expect(bad!.id).toMatch(uuidV4);
    expect(await tableExists(url, "b")).toBe(false); // the failed migration's first statement was rolled back with it

    // Fixing the file is not enough: the failure must be resolved first, as with Prisma (P3009).
    writeMigration(dir, "20200101000100_bad", "CREATE TABLE b (id int);\n");
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/records 1 failed migration[\s\S]*20200101000100_bad/);
    expect(await tableExists(url, "c")).toBe(false);

    // What `prisma migrate resolve --rolled-back 20200101000100_bad` writes.
    await query(url, "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '20200101000100_bad'");
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: ["20200101000100_bad", "20200101000200_c"] });
  });

  it("leaves nothing behind when its connection dies mid-migration, so the next start applies it (Prisma would leave a failed row)", async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({ "20200101000000_slow": "CREATE TABLE a (id int);\nSELECT pg_sleep(1);\n" });
    const run = migrate(url, { migrationsDir: dir }).then(
      () => null,
      (error: unknown) => error,
    );
    let killed = 0;
    for (let tries = 0; killed === 0 && tries < 100; tries++) {
      await sleep(50);
      const rows = await query(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'creditworks-migrate' AND query LIKE '%pg_sleep%'`);
      killed = rows.length;
    }
    expect(killed).toBe(1);
    const error = await run;
    expect(isTransientConnectionError(error)).toBe(true); // what the launcher retries on
    expect(await history(url)).toEqual([]);
    expect(await tableExists(url, "a")).toBe(false);
    expect(await migrate(url, { migrationsDir: dir })).toEqual({ applied: ["20200101000000_slow"] });
  });

  it("refuses a schema that has tables but no migration history, as Prisma does (P3005)", async () => {
    const url = await freshDatabase();
    await query(url, "CREATE TABLE someone_elses (id int)");
    await expect(migrate(url)).rejects.toThrow(/P3005/);
    expect(await tableExists(url, "_prisma_migrations")).toBe(false);
  });

  describe("read by Prisma's own schema engine", () => {
    it("has nothing pending, failed or edited, no drift, and matches the engine's own history rows", async () => {
      const migrationsList = await readMigrationsList();
      const byEngine = await freshDatabase();
      const engine = await openSchemaEngine({ connectionString: byEngine });
      try {
        const { appliedMigrationNames } = await engine.engine.applyMigrations({ migrationsList, filters: NO_FILTER });
        expect(appliedMigrationNames).toEqual(await names());
      } finally {
        await engine.close();
      }
      const comparable = async (url: string) =>
        (await history(url)).map(({ id, started_at: _startedAt, finished_at, ...rest }) => ({ ...rest, id: uuidV4.test(id), finished: finished_at !== null }));
      expect(await comparable(migrated)).toEqual(await comparable(byEngine));
      expect(await query(migrated, historyTableColumns)).toEqual(await query(byEngine, historyTableColumns));

      const judge = await openSchemaEngine({ connectionString: migrated });
      try {
        expect(await judge.engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER })).toEqual({
          history: null,
          failedMigrationNames: [],
          editedMigrationNames: [],
          hasMigrationsTable: true,
        });
        // `migrate dev`'s check: the schema the migrations build in a shadow database is the one the runner built.
        expect(await judge.engine.devDiagnostic({ migrationsList, filters: NO_FILTER })).toEqual({ action: { tag: "createMigration" } });
        expect(await judge.engine.applyMigrations({ migrationsList, filters: NO_FILTER })).toEqual({ appliedMigrationNames: [] });
      } finally {
        await judge.close();
      }
    });

    it("sees a failure the runner recorded as a failed migration", async () => {
      const url = await freshDatabase();
      const dir = migrationsDir({ "20200101000000_bad": "SELECT 1/0;\n" });
      await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/division by zero/);
      const judge = await openSchemaEngine({ connectionString: url });
      try {
        const diagnosis = await judge.engine.diagnoseMigrationHistory({
          migrationsList: await readMigrationsList(dir),
          optInToShadowDatabase: false,
          filters: NO_FILTER,
        });
        expect(diagnosis.failedMigrationNames).toEqual(["20200101000000_bad"]);
      } finally {
        await judge.close();
      }
    });

    it("finds no difference between prisma/schema.prisma and what the migrations build", async () => {
      const schemaFiles = await readSchemaFiles();
      const handle = await openSchemaEngine({ connectionString: migrated, schemaFiles });
      try {
        const result = await handle.engine.diff({
          from: { tag: "migrations", ...(await readMigrationsList()) },
          to: { tag: "schemaDatamodel", files: schemaFiles },
          script: true,
          exitCode: true,
          filters: NO_FILTER,
        });
        // On failure, stdout is the SQL a new migration needs (what `npm run db:diff` would write).
        expect(result.stdout?.trim()).toBe("-- This is an empty migration.");
        expect(result.exitCode).toBe(0);
      } finally {
        await handle.close();
      }
    });
  });
});
