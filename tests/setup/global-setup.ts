import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import type { TestProject } from "vitest/node";

import { startEmbeddedPostgres, type EmbeddedServer } from "../../scripts/lib/embedded-postgres";
import { prepareDatabase } from "../../scripts/lib/prepare-database";

import { freePort } from "../../scripts/lib/free-port";

import { templateDatabase, withDatabase } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL's server when
 * given, otherwise an embedded one in a temporary directory. A template
 * database gets every migration once; each test file clones it (fast) into
 * a database of its own, so files run in parallel without sharing state.
 */
export default async function setup(project: TestProject) {
  let server: EmbeddedServer | null = null;
  let tempDir: string | null = null;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    tempDir = mkdtempSync(path.join(tmpdir(), "creditworks-test-"));
    chmodSync(tempDir, 0o777);
    const port = await freePort();
    server = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port, persistent: false });
    adminUrl = server.url("postgres");
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();
  await prepareDatabase(withDatabase(adminUrl, templateDatabase));
  project.provide("pgAdminUrl", adminUrl);
  return async () => {
    await server?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
}
