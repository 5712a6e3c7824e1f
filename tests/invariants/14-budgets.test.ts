import { createHash, randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import type { AppError } from "~/server/errors";
import { cancelJob } from "~/server/jobs/cancel";
import { createJob } from "~/server/jobs/create";
import { runJob } from "~/server/jobs/run";
import { money, type BudgetSetting } from "~/server/money";

import { actingAs, createUser, db, expectConserved, jobRequest, testConfig, workerDeps } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { outcomeOf } from "../fixtures/errors";
import { createTestJob, jobRow } from "../fixtures/jobs";

// SPEC §3.14 Budgets: for every budget and period, what was spent against it
// (charges less refunds of jobs charged to it) never exceeds its limit, even
// when 50 requests arrive at once; a refused request charges nothing; moving
// to a new period or changing a limit never rewrites the ledger.
// storyteller-v1 costs 2 credits per output: a 1-output job costs 2.

const oneOutput = { outputs: 1 } as const;

function accountBudget(userId: string, limitCredits: number, overrides: Partial<BudgetSetting> = {}): Promise<unknown> {
  return money.setBudget(db, {
    workspaceId: userId, actorUserId: userId, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits, timeZone: "UTC", ...overrides,
  });
}

async function spendRows(userId: string) {
  return db.$queryRaw<{ budget_id: bigint; period_start: Date; spent: number; limit_credits: number }[]>`
    SELECT s.budget_id, s.period_start, s.spent, s.limit_credits
    FROM budget_spend s JOIN budget b ON b.id = s.budget_id WHERE b.workspace_id = ${userId} ORDER BY s.period_start`;
}

/** Invariant 14 from the other side: each spend row is its jobs' charges less their refunds, within its limit. */
async function expectSpendMatchesJobs(userId: string) {
  const rows = await db.$queryRaw<{ spent: number; expected: number; limit_credits: number }[]>`
    SELECT s.spent, s.limit_credits,
           COALESCE((SELECT sum(j.total_cost - j.refunded_amount) FROM job j
                      WHERE j.workspace_id = b.workspace_id AND b.id = ANY (j.budget_ids)
                        AND budget_period_start(b.period, b.time_zone, j.created_at) = s.period_start), 0)::int AS expected
    FROM budget_spend s JOIN budget b ON b.id = s.budget_id WHERE b.workspace_id = ${userId}`;
  for (const row of rows) {
    expect(row.spent).toBe(row.expected);
    expect(row.spent).toBeLessThanOrEqual(row.limit_credits);
  }
}

function ledgerOf(userId: string) {
  return db.ledgerEntry.findMany({ where: { workspaceId: userId }, orderBy: { id: "asc" } });
}

describe("§3.14 budgets hold under concurrency", () => {
  it("50 concurrent creates against a monthly budget with room for 7 → exactly 7 jobs, 43 BUDGET_EXCEEDED charging nothing", async () => {
    const user = await createUser({ balance: 1_000 });
    await accountBudget(user.id, 14);
    const outcomes = await all(times(50), () => outcomeOf(createTestJob(user.id, oneOutput)));
    expect(outcomes.filter((o) => o.code === "OK")).toHaveLength(7);
    const refused = outcomes.filter((o) => o.code === "BUDGET_EXCEEDED");
    expect(refused).toHaveLength(43);
    const details = (refused[0] as { error: AppError }).error.details.budget;
    expect(details).toMatchObject({ scope: "ACCOUNT", period: "MONTH", limitCredits: 14, spentCredits: 14, remainingCredits: 0 });
    const now = new Date();
    expect(details?.resetsAt).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString());
    expect((await spendRows(user.id)).map((r) => r.spent)).toEqual([14]);
    const ledger = await ledgerOf(user.id);
    expect(ledger.filter((e) => e.kind === "CHARGE")).toHaveLength(7);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(7);
    await expectSpendMatchesJobs(user.id);
    await expectConserved(user.id, expect);
  });

  it("an API key's budget and the account's both apply: the first one the job would exceed refuses it", async () => {
    const user = await createUser({ balance: 1_000 });
    const key = await db.apiKey.create({
      data: { workspaceId: user.id, createdByUserId: user.id, name: "script", prefix: "cw_test", secretHash: createHash("sha256").update(randomUUID()).digest("hex"), scopes: ["jobs:write"] },
    });
    await accountBudget(user.id, 100);
    await money.setBudget(db, {
      workspaceId: user.id, actorUserId: user.id, scope: "API_KEY", apiKeyId: key.id, period: "TOTAL", limitCredits: 6, timeZone: "UTC",
    });
    const byKey = () => outcomeOf(createJob(db, actingAs(user.id), { ...jobRequest(oneOutput), apiKeyId: key.id }, testConfig));
    const outcomes = await all(times(20), byKey);
    expect(outcomes.filter((o) => o.code === "OK")).toHaveLength(3);
    const refusal = outcomes.find((o) => o.code === "BUDGET_EXCEEDED") as { error: AppError };
    expect(refusal.error.details.budget).toMatchObject({ scope: "API_KEY", period: "TOTAL", apiKeyId: key.id, resetsAt: null });
    // The app (no key) still spends, against the account's budget only.
    expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("OK");
    const spent = await spendRows(user.id);
    expect(spent.map((r) => r.spent).sort((a, b) => a - b)).toEqual([6, 8]);
    await expectSpendMatchesJobs(user.id);
  });

  it("a refund gives its budget back: a cancelled job's credits can be spent again", async () => {
    const user = await createUser({ balance: 100 });
    await accountBudget(user.id, 4);
    const first = await createTestJob(user.id, oneOutput);
    await createTestJob(user.id, oneOutput);
    expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("BUDGET_EXCEEDED");
    await cancelJob(db, actingAs(user.id), first.job.id);
    expect((await spendRows(user.id)).map((r) => r.spent)).toEqual([2]);
    expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("OK");
    await expectSpendMatchesJobs(user.id);
    await expectConserved(user.id, expect);
  });

  it("jobs charged last month and refunded this month give last month's budget back, not this month's", async () => {
    const user = await createUser({ balance: 100 });
    await accountBudget(user.id, 6);
    const running = [];
    for (let i = 0; i < 3; i++) running.push(await createTestJob(user.id, { outputs: 1, prompt: `#fail story ${i}` }));
    // The state the database would be in had these jobs been created last
    // month: their created_at and the period they were counted in move back
    // together (the ledger is not touched).
    const ids = running.map((r) => r.job.id);
    await db.$executeRaw`UPDATE job SET created_at = created_at - interval '1 month' WHERE id = ANY (${ids}::uuid[])`;
    await db.$executeRaw`
      UPDATE budget_spend s SET period_start = budget_period_start('MONTH', 'UTC', clock_timestamp() - interval '1 month')
      FROM budget b WHERE b.id = s.budget_id AND b.workspace_id = ${user.id}`;
    // This month starts empty: three more jobs fit while the old ones still run.
    for (let i = 0; i < 3; i++) expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("OK");
    expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("BUDGET_EXCEEDED");
    // The old jobs fail now and are refunded: last month's spend goes to 0,
    // this month's stays full.
    for (const id of ids) await runJob(workerDeps(), id);
    for (const id of ids) expect((await jobRow(id)).refundedAmount).toBe(2);
    expect((await spendRows(user.id)).map((r) => r.spent)).toEqual([0, 6]);
    expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("BUDGET_EXCEEDED");
    await expectSpendMatchesJobs(user.id);
    await expectConserved(user.id, expect);
  });

  it("a limit never moves below what was spent, and moving it never rewrites the ledger", async () => {
    const user = await createUser({ balance: 100 });
    await accountBudget(user.id, 6);
    for (let i = 0; i < 3; i++) await createTestJob(user.id, oneOutput);
    const before = await ledgerOf(user.id);
    const lower = await outcomeOf(accountBudget(user.id, 5));
    expect(lower.code).toBe("VALIDATION_ERROR");
    expect((lower as { error: AppError }).error.details.fieldErrors?.limitCredits?.[0]).toContain("At least 6");
    await accountBudget(user.id, 10);
    expect((await spendRows(user.id)).map((r) => [r.spent, r.limit_credits])).toEqual([[6, 10]]);
    expect((await outcomeOf(createTestJob(user.id, oneOutput))).code).toBe("OK");
    expect((await ledgerOf(user.id)).slice(0, before.length)).toEqual(before);
    const changes = await db.budgetChange.findMany({ where: { budget: { workspaceId: user.id } }, orderBy: { id: "asc" } });
    expect(changes.map((c) => c.action)).toEqual(["CREATE", "LIMIT"]);
  });

  it("the database refuses a spend over its limit even when a caller skips the room check", async () => {
    const user = await createUser({ balance: 100 });
    await accountBudget(user.id, 2);
    await createTestJob(user.id, oneOutput);
    await expect(db.$executeRaw`
      UPDATE budget_spend s SET spent = spent + 2 FROM budget b WHERE b.id = s.budget_id AND b.workspace_id = ${user.id}`).rejects.toThrow(
      /budget_spend_within_limit/,
    );
  });

  it("crossing 80 % and 100 % writes one budget.threshold event each, once per period", async () => {
    const user = await createUser({ balance: 100 });
    await db.webhookEndpoint.create({
      data: { workspaceId: user.id, url: "https://hooks.example.test/budget", events: ["budget.threshold"], secret: "whsec_test" },
    });
    await accountBudget(user.id, 10);
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await createTestJob(user.id, oneOutput)); // 2, 4, 6, 8 (80 %), 10 (100 %)
    await cancelJob(db, actingAs(user.id), jobs[4]!.job.id); // back to 8
    await createTestJob(user.id, oneOutput); // 10 again: no second event
    const events = await db.webhookEvent.findMany({ where: { workspaceId: user.id, type: "budget.threshold" }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => (e.data as { thresholdPercent: number }).thresholdPercent)).toEqual([80, 100]);
    expect(events[1]!.data).toMatchObject({ spentCredits: 10, budget: { scope: "ACCOUNT", limitCredits: 10 } });
  });
});

describe("§3.14 budgets keep accounts apart", () => {
  it("a budget's current period is opened when it is set, and next month's by the maintenance pass, with the limit that holds", async () => {
    const user = await createUser({ balance: 100 });
    await accountBudget(user.id, 6, { timeZone: "Asia/Kolkata" });
    expect((await spendRows(user.id)).map((r) => [r.spent, r.limit_credits])).toEqual([[0, 6]]);
    // A month opens a day ahead: make this budget's next month start within
    // the day by opening "ahead" by a month instead (the same statement).
    await db.$transaction((tx) => tx.$queryRaw`SELECT cw_open_budget_periods(interval '32 days')`, { isolationLevel: "Serializable" });
    const rows = await spendRows(user.id);
    expect(rows).toHaveLength(2);
    const [next] = await db.$queryRaw<{ start: Date }[]>`SELECT budget_resets_at('MONTH', 'Asia/Kolkata', clock_timestamp()) AS start`;
    expect(rows[1]!.period_start.toISOString()).toBe(next!.start.toISOString());
    // A limit set now holds for the period opened ahead too.
    await accountBudget(user.id, 8, { timeZone: "Asia/Kolkata" });
    expect((await spendRows(user.id)).map((r) => r.limit_credits)).toEqual([8, 8]);
    expect(await money.openBudgetPeriods(db)).toBe(0);
  });

  it("200 creates at once over 50 budgeted accounts all succeed: no conflict reaches a client", async () => {
    const users = await all(times(50), () => createUser({ balance: 100 }));
    await all(users, (user) => accountBudget(user.id, 100));
    const outcomes = await all(times(200), (i) => outcomeOf(createTestJob(users[i % 50]!.id, oneOutput)));
    expect(outcomes.filter((o) => o.code !== "OK").map((o) => o.code)).toEqual([]);
    for (const user of users.slice(0, 5)) await expectSpendMatchesJobs(user.id);
  });
});
