/**
 * prisma/sql/ is today's text of the money core (prisma/sql/README.md): one
 * file per function of the `public` schema and triggers.sql. This test keeps
 * it true. The database is this file's own clone of the migrated template,
 * so "the database" here is exactly what the migrations leave behind.
 *
 * How the functions are compared (scripts/db/function-files.ts): inside a
 * transaction that is rolled back, each file's CREATE OR REPLACE runs in a
 * savepoint; it must rewrite exactly the function it is named after, and
 * pg_get_functiondef must read the same before and after.
 *
 * How to fix a failure:
 *  - a file "changed": the file and the migrations disagree. If you meant to
 *    change the function, write its migration from the files with
 *    `npm run db:functions -- --name <what_changed>`; if not, the file is
 *    wrong: copy the function's text from its last migration back into it.
 *  - a function "without file": a migration created (or changed the
 *    signature of) a function and no file says so: add
 *    prisma/sql/functions/<name>.sql with the migration's text (CREATE OR
 *    REPLACE FUNCTION ..., and a header comment), or delete the stale file.
 *  - a file "error": it does not apply, or defines another function than its
 *    name: one function per file, the file named after it.
 *  - triggers.sql: copy the migration's CREATE TRIGGER into it (or remove
 *    the dropped one), grouped with its table.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { compareFunctionFiles, listDbFunctions, readFunctionFiles, type FunctionFile } from "../../scripts/db/function-files";

const triggersFile = path.resolve(import.meta.dirname, "../../prisma/sql/triggers.sql");

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

describe("prisma/sql/functions", () => {
  it("has exactly one file per function of the database, and no file without one", async () => {
    const files = (await readFunctionFiles()).map((file) => file.name).sort();
    const functions = (await listDbFunctions(client)).map((fn) => fn.name).sort();
    // One function per name: an overload would have no file of its own.
    expect(functions.filter((name, i) => functions.indexOf(name) !== i)).toEqual([]);
    expect(files).toEqual(functions);
  });

  it("holds each function's definition as the migrations left it", async () => {
    const comparison = await compareFunctionFiles(client, await readFunctionFiles());
    expect(comparison.files.filter((check) => check.status !== "same")).toEqual([]);
    expect(comparison.withoutFile).toEqual([]);
    expect(comparison.recreate).toEqual([]);
    expect(comparison.files).toHaveLength((await listDbFunctions(client)).length);
  });

  it("would notice a body one character off, a missing file and a file defining another function", async () => {
    const files = await readFunctionFiles();
    const baseline = await compareFunctionFiles(client, files);
    const edit = (name: string, change: (file: FunctionFile) => FunctionFile) =>
      files.filter((file) => file.name !== "cw_grants_due_at").map((file) => (file.name === name ? change(file) : file));
    const drifted = edit("cw_default_priority", (file) => ({ ...file, sql: file.sql.replace("THEN 10", "THEN 11") }));
    const misnamed = edit("cw_insert_outputs", (file) => ({ ...file, sql: files.find((f) => f.name === "cw_guard_holds")!.sql }));

    const first = await compareFunctionFiles(client, drifted);
    expect(first.files.find((check) => check.name === "cw_default_priority")?.status).toBe("changed");
    expect(first.withoutFile).toContain("cw_grants_due_at(p_workspace_id text)");
    const second = await compareFunctionFiles(client, misnamed);
    expect(second.files.find((check) => check.name === "cw_insert_outputs")?.status).toBe("error");
    // The comparisons rolled back whatever they ran.
    expect(await compareFunctionFiles(client, files)).toEqual(baseline);
  });
});

describe("prisma/sql/triggers.sql", () => {
  it("recreates exactly the database's triggers", async () => {
    const triggers = async () =>
      (await client.query<{ drop: string; def: string; enabled: string }>(`
        SELECT format('DROP TRIGGER %I ON %I.%I', t.tgname, n.nspname, c.relname) AS drop,
               pg_get_triggerdef(t.oid) AS def, t.tgenabled AS enabled
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal
         ORDER BY c.relname, t.tgname`)).rows;
    await client.query("BEGIN");
    try {
      const before = await triggers();
      for (const trigger of before) await client.query(trigger.drop);
      expect(await triggers()).toEqual([]);
      await client.query(await readFile(triggersFile, "utf8"));
      expect(await triggers()).toEqual(before);
    } finally {
      await client.query("ROLLBACK");
    }
  });
});
