/**
 * Creates a new migration from the changes made to prisma/schema.prisma.
 *
 *   npm run db:diff -- --name add_invoices [--timestamp 20261201090000]
 *
 * Writes prisma/migrations/<UTC YYYYMMDDHHMMSS>_<name>/migration.sql with the
 * SQL that takes a database on which the existing migrations ran to the state
 * described by prisma/schema.prisma; prints "no changes" and writes nothing
 * when there is nothing to do. The file is a starting point: review it, and
 * add by hand what the schema language cannot express (CHECKs, triggers...).
 * tests/ops/migrate.test.ts fails while schema.prisma and the migrations
 * disagree, and prints the same SQL.
 *
 * How: Prisma's WebAssembly schema engine (./schema-engine.ts) diffs
 * `{ tag: "migrations" }` against `{ tag: "schemaDatamodel" }`, replaying the
 * migrations that sort before the new folder in a scratch ("shadow")
 * database it creates and drops on the server of $DATABASE_URL (from the
 * environment or .env; the database the URL names is not modified), or of
 * the embedded PostgreSQL in .data/ that `npm run dev` uses.
 */
import { access, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { resolveLocalEnvironment } from "../lib/local-env";

import { MIGRATIONS_DIR } from "./migrate";
import { NO_FILTER, openSchemaEngine, readMigrationsList, readSchemaFiles } from "./schema-engine";

const usage = "usage: npm run db:diff -- --name <name> [--timestamp YYYYMMDDHHMMSS]";

/** The SQL from "all migrations sorting before `folder` applied" to prisma/schema.prisma, or null when there is no difference. */
async function diffSchema(databaseUrl: string, folder: string, log: (m: string) => void): Promise<string | null> {
  const schemaFiles = await readSchemaFiles();
  const migrations = await readMigrationsList(MIGRATIONS_DIR, (name) => name < folder);
  // The engine's own tracing is JSON; pass on only our shadow database notes.
  const engineLog = (m: string) => {
    if (!m.startsWith("{")) log(m);
  };
  const handle = await openSchemaEngine({ connectionString: databaseUrl, schemaFiles, log: engineLog });
  try {
    const result = await handle.engine.diff({
      from: { tag: "migrations", ...migrations },
      to: { tag: "schemaDatamodel", files: schemaFiles },
      script: true,
      exitCode: true, // => exitCode 2 when the diff is not empty
      filters: NO_FILTER,
    });
    return result.exitCode === 2 && result.stdout ? result.stdout : null;
  } finally {
    await handle.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { name: { type: "string", short: "n" }, timestamp: { type: "string" } } });
  const name = (values.name ?? "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  const timestamp = values.timestamp ?? new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  if (!name || !/^\d{14}$/.test(timestamp)) {
    console.error(usage);
    return 2;
  }
  const folder = path.join(MIGRATIONS_DIR, `${timestamp}_${name}`);
  const exists = await access(folder).then(() => true, () => false);
  if (exists) throw new Error(`${path.relative(process.cwd(), folder)} already exists`);

  const log = (m: string) => console.error(m);
  const embedded = await resolveLocalEnvironment(log);
  try {
    const sql = await diffSchema(process.env.DATABASE_URL!, path.basename(folder), log);
    if (sql === null) {
      console.log("no changes");
      return 0;
    }
    await mkdir(folder);
    await writeFile(path.join(folder, "migration.sql"), sql);
    console.log(`created ${path.relative(process.cwd(), path.join(folder, "migration.sql"))}`);
    return 0;
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
