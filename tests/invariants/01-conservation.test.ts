import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { adjustCredits } from "~/server/admin/adjust-credits";
import { runJob } from "~/server/jobs/run";

import { accountState, callerFor, createUser, db, expectConserved, jobRequest, workerDeps } from "../helpers";
import { refusedBy } from "../fixtures/errors";
import { writeRawEntry } from "../fixtures/raw-ledger";

// SPEC §3.1 Conservation: balance = sum of the ledger; after = before + amount;
// each entry's balance_before = the previous entry's balance_after.

describe("§3.1 conservation", () => {
  it("a history of grants, charges, partial and full refunds, cancels and an admin deduction reconciles", async () => {
    const user = await createUser({ balance: 100 });
    const admin = await createUser({ role: "ADMIN" });
    const caller = callerFor(user);
    const completed = await caller.jobs.create(jobRequest({ outputs: 3 }));
    const failed = await caller.jobs.create(jobRequest({ outputs: 2, prompt: "storm #fail" }));
    const partial = await caller.jobs.create(jobRequest({ outputs: 4, modelId: "canvas-v1", prompt: "x #fail-output-2 #fail-output-4" }));
    const cancelled = await caller.jobs.create(jobRequest({ outputs: 1, modelId: "pose-pack-v1" }));
    await caller.jobs.cancel({ id: cancelled.job.id });
    for (const { job } of [completed, failed, partial]) await runJob(workerDeps(), job.id);
    await adjustCredits(db, { adminId: admin.id, userId: user.id, amount: -7, reason: "Goodwill reversal", idempotencyKey: randomUUID() });

    const state = await accountState(user.id);
    // 100 − 6 (kept) − 0 (failed, refunded) − 10 (2 of 4 images kept) − 0 (cancelled) − 7
    expect(state.balance).toBe(100 - 6 - 10 - 7);
    expect(state.entries.map((e) => e.kind)).toEqual([
      "GRANT", "CHARGE", "CHARGE", "CHARGE", "CHARGE", "REFUND", "REFUND", "REFUND", "ADJUSTMENT",
    ]);
    await expectConserved(user.id, expect);
  });

  it("the database refuses an entry whose balance_after is not balance_before + amount", async () => {
    const user = await createUser({ balance: 10 });
    const refusal = await refusedBy(writeRawEntry(
      { userId: user.id, kind: "GRANT", amount: 5, balanceBefore: 10, balanceAfter: 16, reason: "bad arithmetic" },
      { setBalance: 16 },
    ));
    expect(refusal.state).toBe("23514");
    expect(refusal.message).toContain("ledger_entry_arithmetic");
    await expectConserved(user.id, expect);
  });

  it("the chain trigger refuses an entry that does not start at the previous entry's balance_after", async () => {
    const user = await createUser({ balance: 10 });
    const refusal = await refusedBy(writeRawEntry(
      { userId: user.id, kind: "GRANT", amount: 5, balanceBefore: 1000, balanceAfter: 1005, reason: "invented starting point" },
      { setBalance: 1005 },
    ));
    expect(refusal.state).toBe("23514");
    expect(refusal.message).toContain("ledger chain broken");
    expect((await accountState(user.id)).balance).toBe(10);
    await expectConserved(user.id, expect);
  });

  it("the chain trigger refuses an entry that does not end at the user's balance (money moved without the balance, or vice versa)", async () => {
    const user = await createUser({ balance: 10 });
    const refusal = await refusedBy(writeRawEntry(
      { userId: user.id, kind: "GRANT", amount: 5, balanceBefore: 10, balanceAfter: 15, reason: "balance never updated" },
    ));
    expect(refusal.state).toBe("23514");
    expect(refusal.message).toContain("ends at 15 but the balance is 10");
    await expectConserved(user.id, expect);
  });

  it("the chain trigger checks every entry of one INSERT: each follows the one before, the last ends at the balance", async () => {
    const user = await createUser({ balance: 10 });
    const insertTwo = (secondBefore: number) => db.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE workspace SET balance = 18 WHERE id = ${user.id}`;
      await tx.$executeRaw`
        INSERT INTO ledger_entry (id, workspace_id, kind, amount, balance_before, balance_after, actor_type, reason)
        SELECT nextval('ledger_entry_id_seq'), ${user.id}, 'ADJUSTMENT', e.amount, e.before, e.before + e.amount, 'SYSTEM', 'two at once'
          FROM (VALUES (1, 5, 10), (2, 3, ${secondBefore}::int)) AS e(n, amount, before) ORDER BY e.n`;
    });
    const gap = await refusedBy(insertTwo(14));
    expect(gap.state).toBe("23514");
    expect(gap.message).toContain("ledger chain broken");
    expect((await accountState(user.id)).balance).toBe(10);
    await expectConserved(user.id, expect);
  });

  it("the entry sign check refuses a positive CHARGE and a negative GRANT", async () => {
    const user = await createUser({ balance: 10 });
    const negativeGrant = await refusedBy(writeRawEntry(
      { userId: user.id, kind: "GRANT", amount: -5, balanceBefore: 10, balanceAfter: 5, reason: "a grant that takes" },
      { setBalance: 5 },
    ));
    expect(negativeGrant.message).toContain("ledger_entry_sign");
    await expectConserved(user.id, expect);
  });
});
