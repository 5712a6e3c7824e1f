import { randomBytes, randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { PrismaPg } from "@prisma/adapter-pg";
import { runMigrations } from "graphile-worker";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import { PrismaClient } from "~/generated/prisma/client";
import { runIntegrityChecks } from "~/server/integrity";
import { MIGRATIONS_DIR, migrate, readMigrations } from "../../scripts/db/migrate";
import { withDatabase } from "../setup/databases";

// Decision 0012, step 1, on a database with a real money history: migrated
// up to the migration before the re-key, given grants, charges, a refund, an
// adjustment and a budget through the SQL functions of that time, then
// migrated to the end. Every value the wallet holds must come through
// unchanged (the columns move and are renamed, nothing is recomputed), each
// user must own a personal workspace with their id, and the books must
// still pass the integrity checks and take a new job.

const rekey = "20261207144500_workspaces_own_wallets";
const adminUrl = inject("pgAdminUrl");
const database = `rekey_${randomBytes(5).toString("hex")}`;
const url = withDatabase(adminUrl, database);
const oldMigrations = mkdtempSync(path.join(tmpdir(), "creditworks-before-rekey-"));
let client: pg.Client;

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A SERIALIZABLE transaction around one money call, as the app runs them. */
async function serializable<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
  await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
  try {
    const { rows } = await client.query<T>(sql, params);
    await client.query("COMMIT");
    return rows;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

/** Every row of a table as JSON, in a stable order: what must survive the migration. */
async function rowsOf(table: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const { rows } = await client.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY ${orderBy}`);
  return rows.map((r) => r.row);
}

/** A row from after the re-key in the shape it had before: workspace_id named user_id again. */
function asBefore(row: Record<string, unknown>, drop: string[] = []): Record<string, unknown> {
  const { workspace_id: workspaceId, ...rest } = row;
  for (const column of drop) delete rest[column];
  return workspaceId === undefined ? rest : { ...rest, user_id: workspaceId };
}

const walletColumns = ["balance", "ledger_tail", "jobs_active_bound", "job_rate_last_ms", "job_rate_counts"] as const;
const moneyTables = {
  ledger_entry: "id", credit_grant: "id", credit_draw: "entry_id, grant_id", job: "id", job_event: "id", budget: "id",
  budget_spend: "budget_id, period_start", budget_change: "id", checkout: "id", webhook_endpoint: "id",
} as const;

/** Some history through the money functions as they were before the re-key (their old signatures). */
async function writeHistory(userId: string, n: number): Promise<void> {
  await client.query(`INSERT INTO "user" (id, name, email) VALUES ($1, $2, $3)`, [userId, `Before ${n}`, `${userId}@example.test`]);
  await serializable(`SELECT r.outcome FROM cw_move_credits($1, 'GRANT', $2, 'SYSTEM', 'test', 'Welcome', $3, 'PROMOTIONAL', NULL, NULL,
    clock_timestamp() + interval '30 days') r`, [userId, 20 + n, `welcome:${userId}`]);
  await serializable(`SELECT r.outcome FROM cw_move_credits($1, 'PURCHASE', 50, 'USER', $1, 'Starter pack', $2, 'PAID') r`,
    [userId, `purchase:${userId}`]);
  if (n % 2 === 0) {
    await serializable(`SELECT r.outcome FROM cw_set_budget($1, $1, 'ACCOUNT', NULL, 'MONTH', 40, 'Europe/Paris') r`, [userId]);
  }
  const jobs: string[] = [];
  for (let k = 0; k < 3; k++) {
    const [created] = await serializable<{ outcome: string; id: string }>(
      `SELECT r.outcome, (r.j).id::text AS id FROM cw_create_job($1, $2, 'hash', 'storyteller-v1', 'before the re-key', $3, 2, 600000, 5, 10, 60) r`,
      [userId, `key-${k}`, 1 + k],
    );
    expect(created?.outcome).toBe("CREATED");
    jobs.push(created!.id);
  }
  // A cancel before any output: the whole cost comes back (one REFUND, and the budget's share).
  const [cancelled] = await serializable<{ settled: boolean; refunded: number }>(
    `SELECT r.settled, r.refunded FROM cw_settle_job($1::uuid, 'CANCELLED', 'active', NULL, 'USER', $2, 'CANCELLED_BY_USER', NULL, false, NULL) r`,
    [jobs[1], userId],
  );
  expect(cancelled).toMatchObject({ settled: true, refunded: 4 });
  await serializable(`SELECT r.outcome FROM cw_move_credits($1, 'ADJUSTMENT', -3, 'ADMIN', 'admin', 'Correction', $2) r`,
    [userId, `adjust:${userId}`]);
}

beforeAll(async () => {
  // The migrations as they were before the re-key, byte for byte (their checksums are recorded).
  writeFileSync(path.join(oldMigrations, "migration_lock.toml"), 'provider = "postgresql"\n');
  const before = (await readMigrations()).filter((migration) => migration.name < rekey);
  for (const migration of before) cpSync(path.join(MIGRATIONS_DIR, migration.name), path.join(oldMigrations, migration.name), { recursive: true });
  await adminQuery(`CREATE DATABASE ${database}`);
  await migrate(url, { migrationsDir: oldMigrations });
  await runMigrations({ connectionString: url, logger: undefined });
  client = new pg.Client({ connectionString: url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  rmSync(oldMigrations, { recursive: true, force: true });
  await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe("the re-key of decision 0012 (workspaces own wallets)", () => {
  it("moves every wallet to a personal workspace with the user's id and changes no value", async () => {
    const users = Array.from({ length: 4 }, () => randomUUID());
    for (const [n, userId] of users.entries()) await writeHistory(userId, n);

    const usersBefore = await rowsOf(`"user"`, "id");
    const tablesBefore = Object.fromEntries(
      await Promise.all(Object.entries(moneyTables).map(async ([table, order]) => [table, await rowsOf(table, order)] as const)),
    );
    expect(tablesBefore.ledger_entry!.length).toBe(4 * 7); // welcome, purchase, 3 charges, 1 refund, 1 adjustment
    expect(tablesBefore.budget_spend!.length).toBeGreaterThan(0);
    expect(usersBefore.every((user) => (user.balance as number) > 0 && user.ledger_tail === user.balance)).toBe(true);

    const { applied } = await migrate(url);
    expect(applied[0]).toBe(rekey);
    expect(applied).toEqual((await readMigrations()).map((m) => m.name).filter((name) => name >= rekey));

    // The user rows keep everything but the wallet, which their workspace holds, value for value.
    const workspaces = await rowsOf("workspace", "id");
    expect(workspaces.map((w) => w.id)).toEqual(usersBefore.map((u) => u.id));
    for (const [i, user] of usersBefore.entries()) {
      const workspace = workspaces[i]!;
      expect(workspace).toMatchObject({ kind: "PERSONAL", created_at: user.created_at });
      for (const column of walletColumns) expect(workspace[column], `${column} of ${String(user.id)}`).toEqual(user[column]);
    }
    const usersAfter = await rowsOf(`"user"`, "id");
    expect(usersAfter).toEqual(usersBefore.map((user) => {
      const rest = { ...user };
      for (const column of walletColumns) delete rest[column];
      return rest;
    }));
    const members = (await client.query(`SELECT workspace_id, user_id, role FROM workspace_member ORDER BY workspace_id`)).rows;
    expect(members).toEqual(usersBefore.map((user) => ({ workspace_id: user.id, user_id: user.id, role: "OWNER" })));

    // Every money row is what it was, user_id renamed workspace_id; a job's actor is its owner.
    for (const [table, order] of Object.entries(moneyTables)) {
      const after = await rowsOf(table, order);
      // Columns that came later: a job's actor (the re-key), a budget's member (step 2, all NULL before teams).
      const added: Record<string, string[]> = { job: ["actor_user_id"], budget: ["member_user_id"] };
      expect(after.map((row) => asBefore(row, added[table] ?? [])), table).toEqual(tablesBefore[table]);
    }
    const actors = (await client.query(`SELECT count(*)::int AS n FROM job WHERE actor_user_id IS DISTINCT FROM workspace_id`)).rows[0];
    expect(actors).toEqual({ n: 0 });

    // The books still balance, from the outside.
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    try {
      const report = await runIntegrityChecks(prisma, { overdueGraceMs: 24 * 3_600_000 });
      expect(report.checks.filter((check) => check.violationCount > 0)).toEqual([]);
      expect(report.ok).toBe(true);

      // A create after the re-key charges the workspace, records its actor, and counts against the budget.
      const target = users[0]!;
      const balanceBefore = workspaces.find((w) => w.id === target)!.balance as number;
      const [created] = await serializable<{ outcome: string; actor: string; budgets: string[] }>(
        `SELECT r.outcome, (r.j).actor_user_id AS actor, (r.j).budget_ids::text[] AS budgets
         FROM cw_create_job($1, $1, 'after', 'hash', 'storyteller-v1', 'after the re-key', 2, 2, 600000, 5, 10, 60) r`,
        [target],
      );
      expect(created).toMatchObject({ outcome: "CREATED", actor: target });
      expect(created!.budgets).toHaveLength(1);
      const wallet = (await client.query(`SELECT balance, ledger_tail FROM workspace WHERE id = $1`, [target])).rows[0];
      expect(wallet).toEqual({ balance: balanceBefore - 4, ledger_tail: balanceBefore - 4 });
      expect((await runIntegrityChecks(prisma, { overdueGraceMs: 24 * 3_600_000 })).ok).toBe(true);

      // A user created after the re-key gets their personal workspace in the same transaction.
      const newcomer = randomUUID();
      await client.query(`INSERT INTO "user" (id, name, email) VALUES ($1, 'After', $1 || '@example.test')`, [newcomer]);
      const own = (await client.query(
        `SELECT w.kind, w.balance, m.role FROM workspace w JOIN workspace_member m ON m.workspace_id = w.id AND m.user_id = $1 WHERE w.id = $1`,
        [newcomer],
      )).rows;
      expect(own).toEqual([{ kind: "PERSONAL", balance: 0, role: "OWNER" }]);
    } finally {
      await prisma.$disconnect();
    }
  });
});
