/**
 * Prisma's WebAssembly schema engine (`@prisma/schema-engine-wasm`, a dev
 * dependency), driven through the `pg` driver adapter instead of the native
 * schema-engine binary (which cannot be downloaded here). Only two things
 * use it: `npm run db:diff` (a new migration from schema.prisma changes) and
 * tests/ops/migrate.test.ts (Prisma's engine judging the database our
 * runner, scripts/db/migrate.ts, leaves). The app never loads it.
 *
 * The engine talks to PostgreSQL only through a "migration-aware" driver
 * adapter factory: `new PrismaPg({ connectionString })` wrapped with
 * `bindMigrationAwareSqlAdapterFactory`. `@prisma/adapter-pg` 7.10 has gaps
 * that the schema engine runs into; they are all patched here and nowhere
 * else:
 *
 *  1. Catalog types. The engine's introspection reads `pg_catalog` columns of
 *     type `"char"` (OID 18, e.g. `pg_constraint.contype`), `name` (19) and
 *     their arrays (1002, 1003). The adapter refuses `"char"` and `name[]`
 *     ("Unsupported column type"), and pg leaves `"char"[]`/`name[]` values
 *     as unparsed `{a,b}` literals. A custom `pg.Client` class (handed to the
 *     adapter's pools through pg's standard `Client` pool option) has those
 *     columns read as text (arrays parsed into string arrays). One twist:
 *     the engine's describer then wants a `"char"` column *typed* as a
 *     single character (`ColumnTypeEnum.Character`, what quaint's native
 *     driver yields) and panics on `Text` ("Getting constraint_type ... as
 *     char failed"), so `queryRaw` reports those columns as `Character`.
 *
 *  2. The shadow database. `PrismaPg#connectToShadowDb` builds the shadow
 *     pool as `{ ...config, database }`, but `pg` lets the database of a
 *     `connectionString` win over `database`, so the "shadow" pool would
 *     connect to the main database; and it drops the shadow database with a
 *     plain `DROP DATABASE` *before* closing its own pool, which fails. We
 *     create the shadow database ourselves (`CREATE DATABASE <random name>`),
 *     point a pool at it by rewriting the URL, and drop it with
 *     `DROP DATABASE ... WITH (FORCE)` after the pool is closed.
 *
 *  3. Scripts. `PrismaPgAdapter#executeScript` splits the script on `;` and
 *     sends each piece to the pool separately, which breaks dollar-quoted
 *     (`$$ ... $$`) plpgsql bodies and may run pieces on different
 *     connections. We send the whole script as one simple-protocol query
 *     (multi-statement, like `psql -f` / the native engine does).
 *
 * The package's own entry point (`schema_engine.js`) imports the `.wasm`
 * file as an ES module, which Node 20 cannot do without
 * `--experimental-wasm-modules`; we instantiate the module ourselves with the
 * wasm-bindgen glue (`schema_engine_bg.js`), as Prisma does for its own wasm.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaContainer, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";
import pg from "pg";

import { MIGRATIONS_DIR, readMigrations } from "./migrate";

/** `prisma.config.ts` declares no external tables or enums. */
export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

export const SCHEMA_PATH = path.resolve(import.meta.dirname, "..", "..", "prisma", "schema.prisma");

type Log = (msg: string) => void;

// ---------------------------------------------------------------------------
// Loading the wasm module
// ---------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- the wasm glue is loaded at run time, its type only here
type Runtime = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
let runtimePromise: Promise<Runtime> | undefined;

/**
 * The wasm-bindgen glue reports Rust panics to
 * `globalThis.PRISMA_WASM_PANIC_REGISTRY.set_message(...)` (Prisma's CLI
 * installs it); without it a panic surfaces as an unrelated TypeError.
 */
const panicRegistry = {
  message: "",
  get(): string {
    return this.message;
  },
  set_message(message: string): void {
    this.message = `RuntimeError: ${message}`;
  },
};
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY ??= panicRegistry;

/**
 * Timers the engine starts. It never cancels them (e.g. the 10 s timeout
 * racing `pg_advisory_lock(72707369)` keeps running after the lock is
 * taken), which would keep the process alive for 10 s after the work is
 * done. They are cleared when the last open engine is closed.
 */
const engineTimers = new Set<ReturnType<typeof setTimeout>>();
let openEngines = 0;

function trackedSetTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => {
    engineTimers.delete(timer);
    callback();
  }, ms);
  engineTimers.add(timer);
  return timer;
}

function engineClosed(): void {
  if (--openEngines > 0) return;
  for (const timer of engineTimers) clearTimeout(timer);
  engineTimers.clear();
}

/** Compiles and instantiates the engine's wasm module once per process. */
function loadRuntime(): Promise<Runtime> {
  runtimePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const runtime: Runtime = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(gluePath.replace(/\.js$/, ".wasm"));
    const imports: WebAssembly.ModuleImports = { ...(runtime as unknown as WebAssembly.ModuleImports) };
    for (const name of Object.keys(imports)) {
      if (name.startsWith("__wbg_setTimeout_")) imports[name] = trackedSetTimeout;
    }
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": imports });
    runtime.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return runtime;
  })();
  return runtimePromise;
}

// ---------------------------------------------------------------------------
// Gap 1: catalog types "char" and name
// ---------------------------------------------------------------------------

const OID = { CHAR: 18, TEXT: 25, CHAR_ARRAY: 1002, NAME_ARRAY: 1003, TEXT_ARRAY: 1009 } as const;
// (pg's typings only list scalar OIDs; 1009 is registered all the same.)
const parseTextArray = pg.types.getTypeParser(
  OID.TEXT_ARRAY as number,
  "text",
) as (v: string) => string[];

/**
 * Result rows (by identity) → indexes of their `"char"` columns, so that the
 * patched `queryRaw` below can report those columns as `Character`.
 */
const charColumnsByRows = new WeakMap<object, number[]>();

type PgResult = { fields?: pg.FieldDef[]; rows?: unknown[] };

/**
 * Rewrites a pg result so that the adapter accepts it:
 *  - `"char"` (18) is relabelled `text` (its value already is a string) and
 *    remembered, see `charColumnsByRows`;
 *  - `name` (19) is already read as text by the adapter;
 *  - `name[]` (1003) becomes `text[]`, `"char"[]` (1002) keeps its OID (the
 *    adapter maps it to `CharacterArray`); pg has no parser for either, so
 *    their `{a,b}` literals are parsed into string arrays here.
 */
function fixCatalogColumns<T>(result: T): T {
  for (const r of (Array.isArray(result) ? result : [result]) as PgResult[]) {
    if (!r?.fields || !r.rows) continue;
    const rows = r.rows;
    const charColumns: number[] = [];
    r.fields.forEach((field, i) => {
      const oid = field.dataTypeID;
      if (oid === OID.CHAR) {
        field.dataTypeID = OID.TEXT;
        charColumns.push(i);
      } else if (oid === OID.NAME_ARRAY || oid === OID.CHAR_ARRAY) {
        for (const row of rows) {
          const rec = row as Record<string | number, unknown>;
          const key = Array.isArray(row) ? i : field.name;
          if (typeof rec[key] === "string") rec[key] = parseTextArray(rec[key]);
        }
        if (oid === OID.NAME_ARRAY) field.dataTypeID = OID.TEXT_ARRAY;
      }
    });
    if (charColumns.length > 0) charColumnsByRows.set(rows, charColumns);
  }
  return result;
}

/**
 * A `pg.Client` that applies `fixCatalogColumns` to every result. Every pool
 * the adapter creates uses it, through pg's standard `Client` pool option.
 */
class CatalogTypesClient extends pg.Client {
  // pg's overloads are not worth re-declaring: forward whatever we get.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    type Cb = (err: Error | null, res?: unknown) => void;
    const wrap = (cb: Cb): Cb => (err, res) => (err ? cb(err, res) : cb(null, fixCatalogColumns(res)));
    const [config] = args;
    if (config && typeof config.submit === "function") return super.query(...(args as [never]));
    const cbIndex = args.findIndex((a) => typeof a === "function");
    if (cbIndex >= 0) {
      args[cbIndex] = wrap(args[cbIndex] as Cb);
    } else if (config && typeof config === "object" && typeof config.callback === "function") {
      args[0] = { ...config, callback: wrap(config.callback as Cb) };
    } else {
      const promise = super.query(...(args as [never])) as unknown as Promise<unknown>;
      return promise.then(fixCatalogColumns);
    }
    return super.query(...(args as [never]));
  }
}

/**
 * The schema describer reads `"char"` columns (`pg_constraint.contype`,
 * `pg_class.relkind`, ...) as single characters, like quaint's native
 * PostgreSQL driver returns them, and refuses a `Text` value there.
 */
function patchQueryable<Q extends SqlQueryable>(queryable: Q): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result: SqlResultSet = await queryRaw(query);
    for (const i of charColumnsByRows.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

// ---------------------------------------------------------------------------
// Gaps 2 and 3: shadow database and scripts
// ---------------------------------------------------------------------------

/** `connectionString` with its database replaced by `database`. */
function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs one statement (CREATE or DROP of a shadow database) on the database of `connectionString`. */
async function onServer(connectionString: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

type Tracked = { adapters: Set<SqlDriverAdapter> };

function patchAdapter(adapter: SqlDriverAdapter, tracked: Tracked): SqlDriverAdapter {
  patchQueryable(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => patchQueryable(await startTransaction(isolationLevel));
  // `queryRaw`/`executeRaw` would use the extended protocol (one statement
  // only), so go to the pool underneath, on a single connection, and map pg
  // errors through the adapter's own error conversion.
  const internals = adapter as unknown as { underlyingDriver(): pg.Pool; onError(e: unknown): never };
  adapter.executeScript = async (script) => {
    await internals.underlyingDriver().query(script).catch((error: unknown) => internals.onError(error));
  };
  const dispose = adapter.dispose.bind(adapter);
  let disposed: Promise<void> | undefined;
  adapter.dispose = () => {
    tracked.adapters.delete(adapter);
    return (disposed ??= dispose());
  };
  tracked.adapters.add(adapter);
  return adapter;
}

function pgAdapterFactory(connectionString: string): PrismaPg {
  // `Client` is a regular pg Pool option; PrismaPg passes its config through.
  return new PrismaPg({ connectionString, Client: CatalogTypesClient });
}

/** The migration-aware adapter factory the engine is given: `PrismaPg` with the three gaps above patched. */
function createAdapterFactory(connectionString: string, log?: Log) {
  const tracked: Tracked = { adapters: new Set() };
  const main = pgAdapterFactory(connectionString);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => patchAdapter(await main.connect(), tracked),
    connectToShadowDb: async () => {
      const name = `prisma_shadow_${Date.now().toString(36)}_${randomBytes(6).toString("hex")}`;
      const drop = () => onServer(connectionString, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await onServer(connectionString, `CREATE DATABASE "${name}"`);
      log?.(`created shadow database ${name}`);
      try {
        const adapter = patchAdapter(await pgAdapterFactory(withDatabase(connectionString, name)).connect(), tracked);
        const dispose = adapter.dispose.bind(adapter); // already the tracked, idempotent one
        let dropped: Promise<void> | undefined;
        adapter.dispose = () =>
          (dropped ??= (async () => {
            await dispose();
            await drop();
            log?.(`dropped shadow database ${name}`);
          })());
        return adapter;
      } catch (error) {
        await drop();
        throw error;
      }
    },
  };
  return { factory, close: () => Promise.all([...tracked.adapters].map((a) => a.dispose())) };
}

// ---------------------------------------------------------------------------
// The engine, and its inputs read from disk
// ---------------------------------------------------------------------------

export interface EngineHandle {
  engine: SchemaEngine;
  /** Frees the engine and closes its connections (and drops any shadow DB). */
  close(): Promise<void>;
}

/**
 * `SchemaEngine.new(options, logCallback, adapterFactory)` with the patched
 * `PrismaPg` factory. Shadow databases are created on the server of
 * `connectionString`. Always `close()` the handle.
 */
export async function openSchemaEngine(opts: {
  connectionString: string;
  /** Prisma schema files the engine is constructed with (its "datamodels"). */
  schemaFiles?: SchemaContainer[];
  log?: Log;
}): Promise<EngineHandle> {
  const runtime = await loadRuntime();
  const adapters = createAdapterFactory(opts.connectionString, opts.log);
  openEngines++;
  let engine: SchemaEngine;
  try {
    engine = (await runtime.SchemaEngine.new(
      { datamodels: opts.schemaFiles?.map((f) => [f.path, f.content] as [string, string]) },
      (msg: unknown) => opts.log?.(typeof msg === "string" ? msg : JSON.stringify(msg)),
      bindMigrationAwareSqlAdapterFactory(adapters.factory),
    ));
  } catch (error) {
    await adapters.close().finally(engineClosed);
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    engine,
    close: () =>
      (closed ??= (async () => {
        engine.free();
        await adapters.close().finally(engineClosed);
      })()),
  };
}

export async function readSchemaFiles(schemaPath = SCHEMA_PATH): Promise<SchemaContainer[]> {
  return [{ path: schemaPath, content: await readFile(schemaPath, "utf8") }];
}

/**
 * The `MigrationList` the engine takes (`applyMigrations`, `diff` with
 * `{ tag: "migrations" }`, `devDiagnostic`, ...), like Prisma's CLI builds it.
 * `filter` keeps only some folders (e.g. those older than a new migration).
 */
export async function readMigrationsList(dir = MIGRATIONS_DIR, filter = (_name: string) => true): Promise<MigrationList> {
  const lockfile = await readFile(path.join(dir, "migration_lock.toml"), "utf8").catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories: (await readMigrations(dir))
      .filter((m) => filter(m.name))
      .map((m) => ({ path: m.name, migrationFile: { path: "migration.sql", content: { tag: "ok", value: m.script } } })),
  };
}
