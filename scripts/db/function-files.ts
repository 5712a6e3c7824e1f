/**
 * prisma/sql/functions/<name>.sql holds today's text of each SQL function
 * the migrations create in the `public` schema (one function per file, the
 * file named after it). This module compares those files with a database:
 * the drift test (tests/ops/sql-function-files.test.ts) and the migration
 * generator (scripts/db/function-migration.ts) both use it.
 *
 * How: inside one transaction that is always rolled back, each file runs in
 * a savepoint of its own. A file matches the database when its CREATE OR
 * REPLACE rewrote exactly one catalog row — the function it is named after,
 * detected by that row's xmin changing — and pg_get_functiondef(oid) reads
 * the same before and after. Comparing the server's own rendering, not the
 * text, means whitespace outside the body and the files' header comments do
 * not matter, while any change to the signature, the attributes or a single
 * character of the body does.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import type pg from "pg";

export const FUNCTIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/sql/functions");

export type FunctionFile = { name: string; file: string; sql: string };

/** A function of the `public` schema as the catalog has it. */
export type DbFunction = { oid: number; name: string; signature: string; def: string; xmin: string };

export type FileCheck = {
  name: string;
  /** same: the file is the database's text; changed/new: applying it changes the database; error: it cannot apply as is. */
  status: "same" | "changed" | "new" | "error";
  detail?: string;
};

export type Comparison = {
  files: FileCheck[];
  /** Functions no file defines (a deleted file, or the old signature of a changed one), as `name(args)`. */
  withoutFile: string[];
  /** Functions that must be dropped before their file can replace them (return type or parameter names changed). */
  recreate: string[];
};

/** Every prisma/sql/functions/*.sql, sorted by name. */
export async function readFunctionFiles(dir = FUNCTIONS_DIR): Promise<FunctionFile[]> {
  const names = (await readdir(dir)).filter((file) => file.endsWith(".sql")).sort();
  return Promise.all(
    names.map(async (file) => ({ name: file.slice(0, -".sql".length), file: path.join(dir, file), sql: await readFile(path.join(dir, file), "utf8") })),
  );
}

/** The functions of the `public` schema, extensions' excluded. */
export async function listDbFunctions(client: pg.Client): Promise<DbFunction[]> {
  const { rows } = await client.query<DbFunction>(`
    SELECT p.oid::int AS oid, p.proname AS name, format('%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
           pg_get_functiondef(p.oid) AS def, p.xmin::text AS xmin
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
     ORDER BY p.proname, p.oid`);
  return rows;
}

/** Runs every file against the database behind `client` and rolls everything back. */
export async function compareFunctionFiles(client: pg.Client, files: FunctionFile[]): Promise<Comparison> {
  const comparison: Comparison = { files: [], withoutFile: [], recreate: [] };
  const touchedAny = new Set<number>();
  await client.query("BEGIN");
  try {
    const before = new Map((await listDbFunctions(client)).map((fn) => [fn.oid, fn]));
    for (const file of files) {
      await client.query("SAVEPOINT function_file");
      const check = await checkFile(client, file, before);
      await client.query("ROLLBACK TO SAVEPOINT function_file");
      comparison.files.push(check.result);
      if (check.recreate) comparison.recreate.push(check.recreate);
      for (const oid of check.touched) touchedAny.add(oid);
    }
    comparison.withoutFile = [...before.values()].filter((fn) => !touchedAny.has(fn.oid)).map((fn) => fn.signature);
  } finally {
    await client.query("ROLLBACK");
  }
  return comparison;
}

type Check = { result: FileCheck; touched: number[]; recreate?: string };

/** Runs one file inside the caller's savepoint: which functions it rewrote, and whether their text changed. */
async function checkFile(client: pg.Client, file: FunctionFile, before: Map<number, DbFunction>): Promise<Check> {
  const existing = [...before.values()].filter((fn) => fn.name === file.name);
  try {
    await client.query(file.sql);
  } catch (error) {
    // 42P13: CREATE OR REPLACE cannot change a return type or parameter names; a migration drops first.
    if ((error as { code?: string }).code !== "42P13" || existing.length !== 1) return { result: failed(file, error), touched: [] };
    const [old] = existing as [DbFunction];
    await client.query("ROLLBACK TO SAVEPOINT function_file");
    try {
      await client.query(`DROP FUNCTION ${old.signature}`);
      await client.query(file.sql);
    } catch (retryError) {
      return { result: failed(file, retryError), touched: [] };
    }
    return { result: { name: file.name, status: "changed", detail: "return type or parameter names changed" }, touched: [old.oid], recreate: old.signature };
  }
  const touched = (await listDbFunctions(client)).filter((fn) => before.get(fn.oid)?.xmin !== fn.xmin);
  const [mine, ...more] = touched.filter((fn) => fn.name === file.name);
  if (!mine || more.length > 0 || touched.some((fn) => fn.name !== file.name)) {
    const defined = touched.map((fn) => fn.signature).join(", ") || "nothing";
    return { result: { name: file.name, status: "error", detail: `must define ${file.name} and nothing else; it defines ${defined}` }, touched: [] };
  }
  const old = before.get(mine.oid);
  if (!old) {
    // A new function, or a new signature of an existing one (the old one then has no file and is dropped).
    return { result: { name: file.name, status: existing.length ? "changed" : "new", detail: `signature ${mine.signature}` }, touched: [mine.oid] };
  }
  if (old.def === mine.def) return { result: { name: file.name, status: "same" }, touched: [old.oid] };
  return { result: { name: file.name, status: "changed", detail: firstDifference(old.def, mine.def) }, touched: [old.oid] };
}

/** Where two pg_get_functiondef texts part, for a reader of the failure. */
function firstDifference(database: string, file: string): string {
  const a = database.split("\n");
  const b = file.split("\n");
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1} of pg_get_functiondef: database ${JSON.stringify(a[at]?.trim() ?? "")}, file ${JSON.stringify(b[at]?.trim() ?? "")}`;
}

function failed(file: FunctionFile, error: unknown): FileCheck {
  return { name: file.name, status: "error", detail: error instanceof Error ? error.message : String(error) };
}
