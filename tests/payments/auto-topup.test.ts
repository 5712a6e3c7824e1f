import { describe, expect, it } from "vitest";

import { actingAs, callerFor, createUser, db, expectConserved, jobRequest, testConfig, type TestUser } from "../helpers";
import { createJob } from "~/server/jobs/create";
import { runAutoTopup } from "~/server/payments/auto-topup";
import { sandboxTestCards } from "~/server/payments/sandbox";
import { money } from "~/server/money";
import { autoTopupTask } from "~/server/queue/tasks";

import { drainQueue } from "../fixtures/queue";

const card = { cardNumber: sandboxTestCards.success, expiry: "12/99", cvc: "123" };

/** A user with `balance` credits, a saved card and auto top-up on (Starter pack: +100 credits). */
async function userWithAutoTopup(options: { balance: number; threshold: number; cardNumber?: string }) {
  const user = await createUser({ balance: options.balance });
  const caller = callerFor(user);
  const method = await caller.billing.saveCard({ card: { ...card, cardNumber: options.cardNumber ?? card.cardNumber } });
  await caller.billing.updateAutoTopup({ enabled: true, thresholdCredits: options.threshold, packId: "starter", paymentMethodId: method.id });
  return { user, caller, method };
}

async function debit(user: TestUser, amount: number, key: string) {
  return money.moveCredits(db, {
    workspaceId: user.id, amount: -amount, kind: "ADJUSTMENT", actor: { type: "SYSTEM", id: "test" }, reason: "Test debit", idempotencyKey: key,
  });
}

async function topupsOf(userId: string) {
  return db.topup.findMany({ where: { workspaceId: userId }, orderBy: { createdAt: "asc" } });
}

async function purchasesOf(userId: string) {
  return db.ledgerEntry.findMany({ where: { workspaceId: userId, kind: "PURCHASE" }, select: { amount: true, idempotencyKey: true } });
}

/** The auto-topup jobs queued for `topupId`, with their keys (handed to a pool that only records them). */
async function queuedTopups(topupId: string) {
  const delivered = await drainQueue<{ topupId: string }>(autoTopupTask);
  return delivered.filter((d) => d.payload.topupId === topupId).map((d) => ({ key: d.job.key }));
}

describe("auto top-up", () => {
  it("20 concurrent job charges crossing the threshold start exactly one top-up, which buys once", async () => {
    const { user } = await userWithAutoTopup({ balance: 100, threshold: 50 });
    // 20 jobs of 2 outputs × 2 credits at once: 100 → 20, one of them crosses 50.
    const created = await Promise.all(Array.from({ length: 20 }, () => createJob(db, actingAs(user.id), jobRequest({ outputs: 2 }), testConfig)));
    expect(created.every((result) => !result.replayed)).toBe(true);
    const topups = await topupsOf(user.id);
    expect(topups).toHaveLength(1);
    const [topup] = topups;
    const trigger = await db.ledgerEntry.findUniqueOrThrow({ where: { id: topup!.triggerEntryId } });
    expect(trigger.kind).toBe("CHARGE");
    expect(trigger.balanceBefore).toBeGreaterThanOrEqual(50);
    expect(trigger.balanceAfter).toBeLessThan(50);
    expect(topup).toMatchObject({ status: "PENDING", idempotencyKey: `auto-topup:${trigger.id}` });
    expect(await queuedTopups(topup!.id)).toEqual([{ key: `auto-topup:${topup!.id}` }]);

    expect(await runAutoTopup(db, topup!.id)).toBe("SUCCEEDED");
    const purchases = await purchasesOf(user.id);
    expect(purchases).toHaveLength(1);
    expect(purchases[0]!.amount).toBe(100);
    expect(await db.topup.findUniqueOrThrow({ where: { id: topup!.id } })).toMatchObject({ status: "SUCCEEDED" });
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(120);
    await expectConserved(user.id, expect);
  });

  it("20 concurrent debits: one crossing, one in flight; a second crossing after the balance went back up starts a second", async () => {
    const { user } = await userWithAutoTopup({ balance: 100, threshold: 50 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => debit(user, 4, `d1:${i}`)));
    const [first] = await topupsOf(user.id);
    expect(await topupsOf(user.id)).toHaveLength(1);
    // While the first is in flight, a crossing (back above by a grant, then below) starts none.
    await money.moveCredits(db, { workspaceId: user.id, amount: 40, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Test", idempotencyKey: "g1" });
    await debit(user, 40, "d-inflight");
    expect(await topupsOf(user.id)).toHaveLength(1);

    expect(await runAutoTopup(db, first!.id)).toBe("SUCCEEDED"); // 20 + 100 = 120
    await debit(user, 30, "d2"); // 90: still above, nothing
    expect(await topupsOf(user.id)).toHaveLength(1);
    await debit(user, 45, "d3"); // 45: the second crossing
    const topups = await topupsOf(user.id);
    expect(topups).toHaveLength(2);
    expect(await runAutoTopup(db, topups[1]!.id)).toBe("SUCCEEDED");
    expect(await purchasesOf(user.id)).toHaveLength(2);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(145);
    await expectConserved(user.id, expect);
  });

  it("credits never start a top-up, nor does a debit when auto top-up is off", async () => {
    const { user, caller, method } = await userWithAutoTopup({ balance: 10, threshold: 50 });
    // Already below: a credit that stays below and a debit that starts below cross nothing.
    await money.moveCredits(db, { workspaceId: user.id, amount: 5, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Test", idempotencyKey: "g" });
    await debit(user, 5, "d-below");
    expect(await topupsOf(user.id)).toEqual([]);
    await caller.billing.updateAutoTopup({ enabled: false, thresholdCredits: 50, packId: "starter", paymentMethodId: method.id });
    await money.moveCredits(db, { workspaceId: user.id, amount: 90, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Test", idempotencyKey: "g2" });
    await debit(user, 90, "d-off");
    expect(await topupsOf(user.id)).toEqual([]);
  });

  it("a task run twice (or concurrently) buys once", async () => {
    const { user } = await userWithAutoTopup({ balance: 60, threshold: 50 });
    await debit(user, 20, "d");
    const [topup] = await topupsOf(user.id);
    const outcomes = await Promise.all([runAutoTopup(db, topup!.id), runAutoTopup(db, topup!.id), runAutoTopup(db, topup!.id)]);
    expect(outcomes).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    expect(await runAutoTopup(db, topup!.id)).toBe("SUCCEEDED");
    expect(await purchasesOf(user.id)).toHaveLength(1);
    expect(await db.checkout.count({ where: { workspaceId: user.id } })).toBe(1);
    const checkout = await db.checkout.findFirstOrThrow({ where: { workspaceId: user.id } });
    expect(checkout).toMatchObject({ source: "AUTO_TOPUP", status: "COMPLETED", cardLast4: "4242" });
    expect(checkout.receiptNumber).not.toBeNull();
    await expectConserved(user.id, expect);
  });

  it("a crash after the purchase committed: the next run only marks the top-up", async () => {
    const { user } = await userWithAutoTopup({ balance: 60, threshold: 50 });
    await debit(user, 20, "d");
    const [topup] = await topupsOf(user.id);
    expect(await runAutoTopup(db, topup!.id)).toBe("SUCCEEDED");
    // Simulate the worker dying before it saw the result: the row goes back to PROCESSING.
    await db.topup.update({ where: { id: topup!.id }, data: { status: "PROCESSING", finishedAt: null } });
    expect(await runAutoTopup(db, topup!.id)).toBe("SUCCEEDED");
    expect(await purchasesOf(user.id)).toHaveLength(1);
  });

  it("a declined card turns auto top-up off with a reason and grants nothing", async () => {
    const { user, caller } = await userWithAutoTopup({ balance: 60, threshold: 50, cardNumber: sandboxTestCards.declined });
    await debit(user, 20, "d");
    const [topup] = await topupsOf(user.id);
    expect(await runAutoTopup(db, topup!.id)).toBe("DECLINED");
    expect(await runAutoTopup(db, topup!.id)).toBe("DECLINED");
    expect(await purchasesOf(user.id)).toEqual([]);
    const state = await caller.billing.autoTopup();
    expect(state.setting).toMatchObject({ enabled: false, disabledReason: expect.stringContaining("declined") });
    expect(state.topups[0]).toMatchObject({ status: "DECLINED" });
    // Off: a later crossing starts nothing.
    await money.moveCredits(db, { workspaceId: user.id, amount: 50, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Test", idempotencyKey: "g" });
    await debit(user, 60, "d2");
    expect(await topupsOf(user.id)).toHaveLength(1);
    await expectConserved(user.id, expect);
  });

  it("insufficient funds declines too", async () => {
    const { user } = await userWithAutoTopup({ balance: 60, threshold: 50, cardNumber: sandboxTestCards.insufficientFunds });
    await debit(user, 20, "d");
    const [topup] = await topupsOf(user.id);
    expect(await runAutoTopup(db, topup!.id)).toBe("DECLINED");
    expect(await db.autoTopup.findUniqueOrThrow({ where: { workspaceId: user.id } })).toMatchObject({ enabled: false });
  });

  it("refuses bad settings with field messages and writes nothing", async () => {
    const user = await createUser();
    const caller = callerFor(user);
    const method = await caller.billing.saveCard({ card });
    const other = await callerFor(await createUser()).billing.saveCard({ card });
    const cases = [
      [{ thresholdCredits: 100, packId: "starter", paymentMethodId: method.id }, "thresholdCredits"],
      [{ thresholdCredits: 500, packId: "starter", paymentMethodId: method.id }, "thresholdCredits"],
      [{ thresholdCredits: 10, packId: "no-such-pack", paymentMethodId: method.id }, "packId"],
      [{ thresholdCredits: 10, packId: "starter", paymentMethodId: null }, "paymentMethodId"],
      [{ thresholdCredits: 10, packId: "starter", paymentMethodId: other.id }, "paymentMethodId"],
    ] as const;
    for (const [input, field] of cases) {
      await expect(caller.billing.updateAutoTopup({ enabled: true, ...input })).rejects.toMatchObject({
        cause: { code: "VALIDATION_ERROR", details: { fieldErrors: { [field]: [expect.any(String)] } } },
      });
    }
    await expect(caller.billing.updateAutoTopup({ enabled: true, thresholdCredits: 0, packId: "starter", paymentMethodId: method.id }))
      .rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.autoTopup.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("stores only brand, last four, expiry and a token of a saved card", async () => {
    const user = await createUser();
    const saved = await callerFor(user).billing.saveCard({ card: { cardNumber: "4242 4242 4242 4242", expiry: "08/31", cvc: "987" } });
    expect(saved).toMatchObject({ brand: "Visa", last4: "4242", expMonth: 8, expYear: 2031 });
    expect(saved).not.toHaveProperty("token");
    const row = await db.paymentMethod.findUniqueOrThrow({ where: { id: saved.id } });
    // Only these columns exist, and none holds the number or the CVC (generated ids and the token are
    // random, so a substring check on the whole row would fail when a UUID happens to contain "987").
    expect(Object.keys(row).sort()).toEqual(["brand", "createdAt", "expMonth", "expYear", "id", "last4", "provider", "removedAt", "token", "workspaceId"]);
    expect(JSON.stringify(row)).not.toContain("4242424242424242");
    expect(Object.values(row).map(String)).not.toContain("987");
    expect(row.token).toMatch(/^tok_sandbox_ok_[0-9a-f]+$/);
    await expect(callerFor(user).billing.saveCard({ card: { ...card, cardNumber: "4111111111111111" } })).rejects.toMatchObject({
      cause: { code: "VALIDATION_ERROR" },
    });
  });
});
