import pg from "pg";
import { describe, expect, it } from "vitest";

import { runIntegrityChecks, type IntegrityReport } from "~/server/integrity";
import { createApiKey } from "~/server/api-keys/keys";
import { createJob } from "~/server/jobs/create";
import { runJob } from "~/server/jobs/run";
import { money } from "~/server/money";
import { actingAs, callerFor, createUser, db, jobRequest, testConfig, workerDeps } from "../helpers";

/**
 * Each check must see the state it exists to catch. The database refuses
 * these states on its own, so each test writes one directly: on a raw
 * connection with `session_replication_role = replica` (no triggers, no FK
 * checks) and, where a CHECK or unique index stands in the way, with that
 * constraint dropped in this file's private database.
 */
async function writeBadState(sql: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query(sql, params);
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

function violationsOf(report: IntegrityReport, checkId: string) {
  const check = report.checks.find((candidate) => candidate.id === checkId);
  if (!check) throw new Error(`no check ${checkId}`);
  return check.violations;
}

/** A finished job: charged, run to completion, settled by the worker. */
async function completedJob(userBalance = 50, outputs = 2) {
  const user = await createUser({ balance: userBalance });
  const { job } = await callerFor(user).jobs.create(jobRequest({ outputs }));
  await runJob(workerDeps(), job.id);
  return { user, job };
}

/**
 * An account with a monthly budget of 10 and an API key's total budget of 6,
 * spent by a completed job (2), a failed one (refunded: 0) and a key's job
 * still pending (2): the account's spend row says 4, the key's 2.
 */
async function budgetedUser() {
  const user = await createUser({ balance: 50 });
  const { key } = await createApiKey(db, user.id, { name: "budgeted", scopes: ["jobs:write"] });
  const setting = { workspaceId: user.id, actorUserId: user.id, timeZone: "UTC" } as const;
  const account = await money.setBudget(db, { ...setting, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 10 });
  const keyBudget = await money.setBudget(db, { ...setting, scope: "API_KEY", apiKeyId: key.id, period: "TOTAL", limitCredits: 6 });
  const { job: done } = await callerFor(user).jobs.create(jobRequest({ outputs: 1 }));
  const { job: failed } = await callerFor(user).jobs.create(jobRequest({ outputs: 1, prompt: "#fail" }));
  await runJob(workerDeps(), done.id);
  await runJob(workerDeps(), failed.id);
  const { job: pending } = await createJob(db, actingAs(user.id), { ...jobRequest({ outputs: 1 }), apiKeyId: key.id }, testConfig);
  return { user, account, keyBudget, pending };
}

describe("integrity checks (SPEC §3)", () => {
  it("report a healthy database as ok, with every check listed", async () => {
    await completedJob();
    await budgetedUser();
    const failing = await createUser({ balance: 30 });
    const { job } = await callerFor(failing).jobs.create(jobRequest({ prompt: "no #fail" }));
    await runJob(workerDeps(), job.id);
    const report = await runIntegrityChecks(db);
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.id)).toEqual([
      "balance-equals-ledger",
      "ledger-chain",
      "ledger-tail-matches",
      "no-negative-balance",
      "one-charge-per-job",
      "at-most-one-refund",
      "refund-equals-undelivered",
      "terminal-without-lease",
      "no-overdue-jobs",
      "active-bound-covers-active",
      "grants-hold-balance",
      "grant-remaining-within-amount",
      "grant-remaining-equals-draws",
      "draws-sum-to-entry",
      "draws-name-an-entry",
      "grant-returns-within-draws",
      "no-expired-open-grant",
      "grant-expires-once",
      "budget-spend-matches-jobs",
      "admin-rollups-match-facts",
    ]);
  });

  it("detect a grant whose remaining its draws do not explain, a balance its grants do not hold, and draws that do not sum to their entry", async () => {
    const { user, job } = await completedJob(20, 2);
    const [grant] = await db.creditGrant.findMany({ where: { workspaceId: user.id } });
    await writeBadState(`UPDATE credit_grant SET remaining = remaining - 1 WHERE id = $1`, [grant!.id]);
    let report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(violationsOf(report, "grants-hold-balance")).toEqual([
      { workspaceId: user.id, jobId: null, entryId: null, message: `balance ${20 - job.totalCost} but the open grants hold ${19 - job.totalCost}` },
    ]);
    expect(violationsOf(report, "grant-remaining-equals-draws")).toHaveLength(1);
    const charge = await db.ledgerEntry.findFirstOrThrow({ where: { jobId: job.id, kind: "CHARGE" } });
    await writeBadState(`INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES ($1, $2, -1)`, [charge.id, grant!.id + 1_000_000n]);
    await writeBadState(`INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at, expires_at, effective_at)
      VALUES ($1, 'PAID', 50, 5, 5, 'GRANT', 'stale', now(), now() - interval '1 day', now() - interval '2 days')`, [user.id]);
    report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(violationsOf(report, "draws-sum-to-entry")).toEqual([
      { workspaceId: user.id, jobId: job.id, entryId: charge.id.toString(), message: `CHARGE of ${-job.totalCost} but its draws sum to ${-job.totalCost - 1}` },
    ]);
    expect(violationsOf(report, "no-expired-open-grant")).toHaveLength(1);
    expect(report.ok).toBe(false);
  });

  it("detect a ledger tail that is not the last entry (the triggers' chain state), and an active-job bound below the active jobs", async () => {
    const user = await createUser({ balance: 10 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    await writeBadState(`UPDATE workspace SET ledger_tail = 3, jobs_active_bound = 0 WHERE id = $1`, [user.id]);
    const report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(report.ok).toBe(false);
    expect(violationsOf(report, "ledger-tail-matches").map((v) => v.message)).toEqual([
      `ledger_tail 3 but the last entry ends at ${10 - job.totalCost}`,
    ]);
    expect(violationsOf(report, "active-bound-covers-active").map((v) => v.message)).toEqual([
      "jobs_active_bound 0 but 1 jobs are active",
    ]);
  });

  it("detect a balance that is not the sum of the ledger", async () => {
    const user = await createUser({ balance: 10 });
    await writeBadState(`UPDATE workspace SET balance = 15 WHERE id = $1`, [user.id]);
    const report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(report.ok).toBe(false);
    expect(violationsOf(report, "balance-equals-ledger")).toEqual([
      { workspaceId: user.id, jobId: null, entryId: null, message: "balance 15 but the ledger sums to 10" },
    ]);
    expect(violationsOf(report, "ledger-chain")).toEqual([]);
  });

  it("detect a broken ledger chain", async () => {
    const user = await createUser({ balance: 10 });
    await writeBadState(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, actor_type, reason)
       VALUES ($1, 'GRANT', 2, 3, 5, 'SYSTEM', 'forged')`,
      [user.id],
    );
    const forged = await db.ledgerEntry.findFirstOrThrow({ where: { workspaceId: user.id, reason: "forged" } });
    const report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(violationsOf(report, "ledger-chain")).toEqual([
      { workspaceId: user.id, jobId: null, entryId: forged.id.toString(), message: "balance_before 3 but the previous entry ended at 10" },
    ]);
  });

  it("detect a negative balance", async () => {
    const user = await createUser({ balance: 5 });
    await writeBadState(`ALTER TABLE workspace DROP CONSTRAINT IF EXISTS workspace_balance_non_negative`);
    await writeBadState(`UPDATE workspace SET balance = -4 WHERE id = $1`, [user.id]);
    const report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(violationsOf(report, "no-negative-balance")).toEqual([
      { workspaceId: user.id, jobId: null, entryId: null, message: "balance is -4" },
    ]);
  });

  it("detect a job without a charge and a job charged twice", async () => {
    const user = await createUser({ balance: 50 });
    const uncharged = "00000000-0000-4000-8000-00000000c0de";
    await writeBadState(
      `INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost, status,
         deadline_at, idempotency_key, request_hash, finished_at, refunded_amount, outputs_done)
       VALUES ($1, $2, $2, 'storyteller-v1', 'free lunch', 1, 2, 2, 'COMPLETED', now(), 'k-free', 'h', now(), 0, 1)`,
      [uncharged, user.id],
    );
    const { job } = await completedJob();
    await writeBadState(`DROP INDEX IF EXISTS ledger_entry_one_charge_per_job`);
    await writeBadState(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, reason)
       SELECT workspace_id, 'CHARGE', -total_cost, 46, 46 - total_cost, id, 'SYSTEM', 'charged again' FROM job WHERE id = $1`,
      [job.id],
    );
    const report = await runIntegrityChecks(db);
    const violations = violationsOf(report, "one-charge-per-job");
    expect(violations).toContainEqual(expect.objectContaining({ jobId: uncharged, message: "0 charges (expected 1)" }));
    expect(violations).toContainEqual(expect.objectContaining({ jobId: job.id, message: "2 charges (expected 1)" }));
    const scoped = await runIntegrityChecks(db, { jobId: job.id });
    expect(violationsOf(scoped, "one-charge-per-job").map((violation) => violation.jobId)).toEqual([job.id]);
  });

  it("detect a job refunded twice", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2, prompt: "#fail" }));
    await runJob(workerDeps(), job.id);
    await writeBadState(`DROP INDEX IF EXISTS ledger_entry_one_refund_per_job`);
    await writeBadState(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, reason)
       VALUES ($1, 'REFUND', 4, 20, 24, $2, 'SYSTEM', 'refunded again')`,
      [user.id, job.id],
    );
    const report = await runIntegrityChecks(db, { jobId: job.id });
    expect(violationsOf(report, "at-most-one-refund")).toEqual([
      expect.objectContaining({ workspaceId: user.id, jobId: job.id, message: "2 refunds totalling 8" }),
    ]);
    expect(violationsOf(report, "refund-equals-undelivered")).toEqual([
      expect.objectContaining({ jobId: job.id, message: "FAILED job: refunded 8 (job says 4) but 4 was undelivered" }),
    ]);
  });

  it("detect a refund that is not the cost of the undelivered outputs", async () => {
    const { user, job } = await completedJob(30, 2);
    await writeBadState(
      `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, reason)
       VALUES ($1, 'REFUND', 2, 26, 28, $2, 'SYSTEM', 'unearned refund')`,
      [user.id, job.id],
    );
    const report = await runIntegrityChecks(db, { jobId: job.id });
    expect(violationsOf(report, "refund-equals-undelivered")).toEqual([
      expect.objectContaining({ jobId: job.id, message: "COMPLETED job: refunded 2 (job says 0) but 0 was undelivered" }),
    ]);
  });

  it("detect a finished job that still holds a lease", async () => {
    const { job } = await completedJob();
    await writeBadState(`ALTER TABLE job DROP CONSTRAINT IF EXISTS job_terminal_has_no_lease`);
    await writeBadState(
      `UPDATE job SET lease_owner = 'ghost-worker', lease_expires_at = now() + interval '1 hour' WHERE id = $1`,
      [job.id],
    );
    const report = await runIntegrityChecks(db, { jobId: job.id });
    const violations = violationsOf(report, "terminal-without-lease");
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toMatch(/^COMPLETED but leased by ghost-worker until /);
  });

  it("detect an active job past its deadline plus one cleanup interval", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    await writeBadState(`UPDATE job SET deadline_at = now() - interval '30 seconds' WHERE id = $1`, [job.id]);
    const withinGrace = await runIntegrityChecks(db, { jobId: job.id });
    expect(violationsOf(withinGrace, "no-overdue-jobs")).toEqual([]);
    await writeBadState(`UPDATE job SET deadline_at = now() - interval '5 minutes' WHERE id = $1`, [job.id]);
    const report = await runIntegrityChecks(db, { jobId: job.id });
    expect(violationsOf(report, "no-overdue-jobs")).toEqual([
      expect.objectContaining({ workspaceId: user.id, jobId: job.id, message: expect.stringMatching(/^PENDING, deadline .* passed 00:05:/) }),
    ]);
  });

  it("detect a budget's spend row that is not its jobs' charges less refunds, one over its limit, and jobs whose spend row is missing", async () => {
    const { user, account, keyBudget, pending } = await budgetedUser();
    const spendOf = (budgetId: bigint) => db.budgetSpend.findFirstOrThrow({ where: { budgetId } });
    expect((await spendOf(account.id)).spent).toBe(4);
    expect((await spendOf(keyBudget.id)).spent).toBe(2);
    expect((await runIntegrityChecks(db, { workspaceId: user.id })).ok).toBe(true);

    // budget_spend has no trigger: a plain UPDATE is enough to tamper with it.
    await db.$executeRaw`UPDATE budget_spend SET spent = spent - 1 WHERE budget_id = ${account.id}`;
    const { periodStart } = await spendOf(account.id);
    let report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(report.ok).toBe(false);
    expect(violationsOf(report, "budget-spend-matches-jobs")).toEqual([
      { workspaceId: user.id, jobId: null, entryId: null, message: expect.stringMatching(new RegExp(`^budget ${account.id}, period from .+: spent 3 but its jobs were charged 4 less refunds$`)) },
    ]);
    expect(violationsOf(report, "budget-spend-matches-jobs")[0]!.message).toContain(periodStart.toISOString().slice(0, 10));
    await db.$executeRaw`UPDATE budget_spend SET spent = spent + 1 WHERE budget_id = ${account.id}`;
    expect((await runIntegrityChecks(db, { workspaceId: user.id })).ok).toBe(true);

    // Over its limit: the CHECK that refuses it is dropped in this file's database.
    await writeBadState(`ALTER TABLE budget_spend DROP CONSTRAINT IF EXISTS budget_spend_within_limit`);
    await db.$executeRaw`UPDATE budget_spend SET limit_credits = 1 WHERE budget_id = ${keyBudget.id}`;
    // The account budget's spend row is gone although its jobs are charged to it.
    await db.$executeRaw`DELETE FROM budget_spend WHERE budget_id = ${account.id}`;
    report = await runIntegrityChecks(db, { workspaceId: user.id });
    const messages = violationsOf(report, "budget-spend-matches-jobs").map((violation) => violation.message);
    expect(messages).toHaveLength(2);
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^budget ${account.id}, period from .+: its jobs were charged 4 but it has no spend row$`)));
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^budget ${keyBudget.id}, period from .+: spent 2 over its limit of 1$`)));
    // Scoped to the key's job: only the budgets it was charged to.
    const scoped = await runIntegrityChecks(db, { jobId: pending.id });
    expect(violationsOf(scoped, "budget-spend-matches-jobs").map((violation) => violation.message)).toHaveLength(2);
  });

  it("detect a job that names a budget which does not exist", async () => {
    const { user, pending } = await budgetedUser();
    await writeBadState(`UPDATE job SET budget_ids = budget_ids || 999999999::bigint WHERE id = $1`, [pending.id]);
    const report = await runIntegrityChecks(db, { workspaceId: user.id });
    expect(violationsOf(report, "budget-spend-matches-jobs")).toEqual([
      { workspaceId: user.id, jobId: pending.id, entryId: null, message: "names budget 999999999, which does not exist" },
    ]);
  });
});
