import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import { afterAll, inject } from "vitest";

import { templateDatabase, withDatabase } from "./databases";

// Every test file gets a database of its own, cloned from the migrated
// template, and the environment the app validates at import.
const adminUrl = inject("pgAdminUrl");
const database = `t_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database} TEMPLATE ${templateDatabase}`);
await admin.end();

process.env.DATABASE_URL = withDatabase(adminUrl, database);
process.env.DATABASE_POOL_MAX ??= "30";
process.env.BETTER_AUTH_SECRET ??= "test-secret-test-secret-test-secret-0123";
process.env.CRON_SECRET ??= "test-cron-secret-0123456789";
process.env.METRICS_TOKEN ??= "test-metrics-token-0123456789";
process.env.LOG_LEVEL ??= "silent";
process.env.SIGNUP_CREDITS ??= "0";
// Account mails (sign-up verification) go to a throwaway outbox, never into the developer's .data/mail.
const mailOutbox = mkdtempSync(path.join(tmpdir(), "creditworks-test-mail-"));
process.env.MAIL_OUTBOX_DIR ??= mailOutbox;

// A test that prints an unexpected console.error fails (Epic Stack's rule).
const originalError = console.error;
console.error = (...args: unknown[]) => {
  originalError(...args);
  throw new Error(`console.error was called: ${args.map(String).join(" ").slice(0, 500)}`);
};

afterAll(async () => {
  rmSync(mailOutbox, { recursive: true, force: true });
  const { db } = await import("~/server/db");
  await db.$disconnect();
  const cleanup = new pg.Client({ connectionString: adminUrl });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await cleanup.end();
});
