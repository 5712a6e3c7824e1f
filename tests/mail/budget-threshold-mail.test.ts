import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { env } from "~/env.js";
import { createApiKey } from "~/server/api-keys/keys";
import { nextMonthStartOn, sendBudgetThresholdMail } from "~/server/budgets/threshold-mail";
import { cancelJob } from "~/server/jobs/cancel";
import { createJob } from "~/server/jobs/create";
import { readOutbox, type OutboxMail } from "~/server/mail/outbox";
import { money, type BudgetSetting } from "~/server/money";
import { createSandboxProvider } from "~/server/providers";
import { budgetThresholdMailTask } from "~/server/queue/tasks";
import { startWorker, type WorkerHandle } from "~/server/queue/worker";

import { createTestJob } from "../fixtures/jobs";
import { queuedJobs } from "../fixtures/queue";
import { actingAs, createUser, db, jobRequest, testConfig, type TestUser } from "../helpers";
import { waitUntil } from "../webhooks/support";
import { addMember, grantCredits, makeTeam, makeUser } from "../fixtures/workspaces";

// SPEC §9: crossing 80 % and 100 % of a budget mails the account's owner,
// once per budget, period and threshold, through the real queue: the charge
// queues `budget-threshold-mail` (cw_budget_charge), a graphile-worker pool
// runs it, and the mail lands in this file's outbox (MAIL_OUTBOX_DIR).
// storyteller-v1 costs 2 credits per output: a 1-output job costs 2.

const outboxDir = process.env.MAIL_OUTBOX_DIR!;
let worker: WorkerHandle;

beforeAll(async () => {
  worker = await startWorker({
    connectionString: process.env.DATABASE_URL!,
    db,
    provider: createSandboxProvider({ latencyMs: 0 }),
    config: testConfig,
    concurrency: 2,
    cronCleanup: false,
  });
  await worker.ready;
});
afterAll(() => worker.stop());

function setBudget(userId: string, overrides: Partial<BudgetSetting> = {}) {
  return money.setBudget(db, {
    workspaceId: userId, actorUserId: userId, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 10, timeZone: "UTC", ...overrides,
  });
}

async function mailsTo(user: TestUser): Promise<OutboxMail[]> {
  return (await readOutbox(outboxDir, 1_000)).filter((mail) => mail.to === user.email).reverse();
}

/** The queue has run every budget-threshold-mail job (graphile-worker deletes a job once it completes). */
function queueDrained(): Promise<void> {
  return waitUntil("the threshold mail jobs to finish", 20_000, async () => (await queuedJobs(budgetThresholdMailTask)) === 0);
}

describe("the budget threshold mail", () => {
  it("mails the owner at 80 % and at 100 % of a monthly budget, once each, with the figures and a link to the budgets page", async () => {
    const user = await createUser({ balance: 100 });
    await setBudget(user.id);
    // The first job hangs on the worker (nothing is refunded while the mails
    // are written, so their figures are known); it is cancelled later.
    const { job: hanging } = await createTestJob(user.id, { outputs: 1, prompt: "a lighthouse #hang" });
    for (let i = 0; i < 3; i++) await createTestJob(user.id, { outputs: 1 }); // 8 of 10: 80 %
    await waitUntil("the 80 % mail", 20_000, async () => (await mailsTo(user)).length === 1);
    const [first] = await mailsTo(user);
    const now = new Date();
    const resetsOn = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
    expect(first).toMatchObject({ subject: "Your monthly budget is 80 % spent", links: [`${env.APP_URL}/settings/budgets`] });
    expect(first!.text).toContain(`Your monthly budget is 80 % spent: 8 of 10 credits. It resets on ${resetsOn}.`);

    await createTestJob(user.id, { outputs: 1 }); // 10 of 10: 100 %
    await waitUntil("the 100 % mail", 20_000, async () => (await mailsTo(user)).length === 2);
    expect((await mailsTo(user))[1]).toMatchObject({ subject: "Your monthly budget is 100 % spent" });
    expect((await mailsTo(user))[1]!.text).toContain("100 % spent: 10 of 10 credits");
    await cancelJob(db, actingAs(user.id), hanging.id); // 8 of 10 again

    // Up to the limit again in the same period: no third mail. The event that
    // would precede one is its queue job; once the queue is drained, none came.
    await createTestJob(user.id, { outputs: 1 });
    await queueDrained();
    expect(await mailsTo(user)).toHaveLength(2);
  });

  it("names an API key's total budget, which never resets", async () => {
    const user = await createUser({ balance: 100 });
    const { key } = await createApiKey(db, user.id, { name: "deploy-bot", scopes: ["jobs:write"] });
    await setBudget(user.id, { scope: "API_KEY", apiKeyId: key.id, period: "TOTAL", limitCredits: 2 });
    await createJob(db, actingAs(user.id), { ...jobRequest({ outputs: 1 }), apiKeyId: key.id }, testConfig); // 2 of 2: 100 % at once
    await waitUntil("the mail", 20_000, async () => (await mailsTo(user)).length === 1);
    const [mail] = await mailsTo(user);
    expect(mail!.subject).toBe("The total budget of your API key “deploy-bot” is 100 % spent");
    expect(mail!.text).toContain("100 % spent: 2 of 2 credits. It does not reset.");
  });

  it("in a team, mails every owner (not the admins or members) with the team's name, and a member's budget by the member", async () => {
    const team = await makeTeam("Acme");
    await addMember(team.id, (await makeUser()).id, "OWNER");
    const owners = await db.workspaceMember.findMany({ where: { workspaceId: team.id, role: "OWNER" }, select: { user: { select: { email: true } } } });
    expect(owners).toHaveLength(2);
    await grantCredits(team.id, 100);
    await money.setBudget(db, {
      workspaceId: team.id, actorUserId: team.owner.id, scope: "MEMBER", memberUserId: team.member.id, apiKeyId: null, period: "TOTAL", limitCredits: 2, timeZone: "UTC",
    });
    await createJob(db, { workspaceId: team.id, actorUserId: team.member.id }, jobRequest({ outputs: 1 }), testConfig); // 2 of 2: 100 %
    const mailsOf = async (email: string) => (await readOutbox(outboxDir, 1_000)).filter((mail) => mail.to === email);
    await waitUntil("a mail to each owner", 20_000, async () => (await Promise.all(owners.map((o) => mailsOf(o.user.email)))).every((m) => m.length === 1));
    const [mail] = await mailsOf(owners[0]!.user.email);
    expect(mail!.subject).toBe(`The total budget of ${team.member.name} in Acme is 100 % spent`);
    await queueDrained();
    expect(await mailsOf(team.admin.email)).toEqual([]);
    expect(await mailsOf(team.member.email)).toEqual([]);
  });

  it("finishes without a mail when the budget was removed, or never existed", async () => {
    const user = await createUser({ balance: 100 });
    const budget = await setBudget(user.id);
    for (let i = 0; i < 4; i++) await createTestJob(user.id, { outputs: 1 });
    await waitUntil("the 80 % mail", 20_000, async () => (await mailsTo(user)).length === 1);
    const periodStart = (await db.budgetSpend.findFirstOrThrow({ where: { budgetId: budget.id } })).periodStart.toISOString();
    await money.removeBudget(db, { workspaceId: user.id, actorUserId: user.id, budgetId: budget.id });

    // The domain function says why it sent nothing…
    expect(await sendBudgetThresholdMail(db, { budgetId: budget.id.toString(), periodStart, threshold: 100 })).toBe("NO_BUDGET");
    expect(await sendBudgetThresholdMail(db, { budgetId: "999999999", periodStart, threshold: 80 })).toBe("NO_BUDGET");
    // …and through the queue, the jobs complete (they are not retried as failures) without a mail.
    for (const budgetId of [budget.id.toString(), "999999999"]) {
      await db.$executeRaw`SELECT graphile_worker.add_job(${budgetThresholdMailTask},
        json_build_object('budgetId', ${budgetId}::text, 'periodStart', ${periodStart}::text, 'threshold', 100))`;
    }
    await queueDrained();
    expect(await mailsTo(user)).toHaveLength(1);
  });

  it("refuses a malformed payload (the queue retries it; it is a bug, not a budget that is gone)", async () => {
    await expect(sendBudgetThresholdMail(db, { budgetId: "x", periodStart: "soon", threshold: 50 })).rejects.toThrow();
  });

  it("computes the reset date in the budget's time zone", () => {
    // The month that starts 2026-12-01 in Tokyo begins at 2026-11-30T15:00Z.
    expect(nextMonthStartOn(new Date("2026-11-30T15:00:00Z"), "Asia/Tokyo")).toBe("2027-01-01");
    expect(nextMonthStartOn(new Date("2026-03-01T05:00:00Z"), "America/New_York")).toBe("2026-04-01");
  });
});
