import { describe, expect, it } from "vitest";

import { callerFor, createUser, db, expectConserved } from "../helpers";
import { confirmCheckout } from "~/server/payments/checkout";
import { sandboxProvider, sandboxTestCards } from "~/server/payments/sandbox";

const card = { cardNumber: sandboxTestCards.success, expiry: "12/99", cvc: "123" };

async function purchasesOf(userId: string) {
  return db.ledgerEntry.findMany({ where: { workspaceId: userId, kind: "PURCHASE" }, select: { amount: true, idempotencyKey: true } });
}

describe("sandbox checkout", () => {
  it("pays once: one PURCHASE entry keyed by the checkout, and the checkout COMPLETED", async () => {
    const user = await createUser({ balance: 10 });
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "starter" });
    const paid = await caller.checkout.pay({ checkoutId: checkout.id, card });
    expect(paid).toMatchObject({ status: "paid", replayed: false, credits: 100, balanceAfter: 110 });
    expect(await purchasesOf(user.id)).toEqual([{ amount: 100, idempotencyKey: `checkout:${checkout.id}` }]);
    expect(await caller.checkout.get({ id: checkout.id })).toMatchObject({ status: "COMPLETED" });
    // Paying it again is a replay (tests/payments/checkout-retry.test.ts): nothing more is granted.
    expect(await caller.checkout.pay({ checkoutId: checkout.id, card })).toMatchObject({ status: "paid", replayed: true, balanceAfter: 110 });
    await expectConserved(user.id, expect);
  });

  it("a confirmation delivered many times at once grants the credits exactly once", async () => {
    const user = await createUser();
    const checkout = await callerFor(user).checkout.open({ packId: "creator" });
    // The provider took the money; its confirmation now arrives 8 times at once
    // (browser return, webhook, webhook retries) before anything was granted.
    const paid = await sandboxProvider.pay({ ...checkout, workspaceId: user.id }, card);
    if (paid.status !== "paid") throw new Error("expected the success card to pay");
    const results = await Promise.all(Array.from({ length: 8 }, () => confirmCheckout(db, paid.confirmation)));
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    const again = await callerFor(user).checkout.confirm(paid.confirmation);
    expect(again.replayed).toBe(true);
    expect(await purchasesOf(user.id)).toHaveLength(1);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(500);
    await expectConserved(user.id, expect);
  });

  it("declined cards, unknown cards and forged confirmations grant nothing", async () => {
    const user = await createUser();
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "starter" });
    const declined = await caller.checkout.pay({ checkoutId: checkout.id, card: { ...card, cardNumber: sandboxTestCards.declined } });
    expect(declined).toMatchObject({ status: "declined", declineCode: "card_declined" });
    await expect(
      caller.checkout.pay({ checkoutId: checkout.id, card: { ...card, cardNumber: "4111111111111111" } }),
    ).rejects.toMatchObject({ cause: { code: "VALIDATION_ERROR", details: { fieldErrors: { cardNumber: [expect.any(String)] } } } });
    await expect(
      confirmCheckout(db, { checkoutId: checkout.id, provider: "sandbox", token: "forged" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await purchasesOf(user.id)).toEqual([]);
    expect(await caller.checkout.get({ id: checkout.id })).toMatchObject({ status: "OPEN" });
  });

  it("another user's checkout is NOT_FOUND", async () => {
    const owner = await createUser();
    const other = await createUser();
    const checkout = await callerFor(owner).checkout.open({ packId: "starter" });
    await expect(callerFor(other).checkout.get({ id: checkout.id })).rejects.toMatchObject({ cause: { code: "NOT_FOUND" } });
    await expect(callerFor(other).checkout.pay({ checkoutId: checkout.id, card })).rejects.toMatchObject({ cause: { code: "NOT_FOUND" } });
  });

  it("me reports the role, totals add up to the balance", async () => {
    const admin = await createUser({ role: "ADMIN", balance: 7 });
    expect(await callerFor(admin).account.me()).toMatchObject({ id: admin.id, role: "ADMIN" });
    expect(await callerFor(null).account.me()).toBeNull();
    const totals = await callerFor(admin).account.totals();
    expect(totals).toMatchObject({ net: 7, balance: 7, entries: 1 });
  });
});

describe("card details typed as digits only (a phone's numeric keypad)", () => {
  it("pays and saves with an expiry of four digits and a number with or without spaces", async () => {
    const user = await createUser();
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "starter" });
    const paid = await caller.checkout.pay({ checkoutId: checkout.id, card: { cardNumber: "4242 4242 4242 4242", expiry: "1299", cvc: "123" } });
    expect(paid).toMatchObject({ status: "paid" });
    const saved = await caller.billing.saveCard({ card: { cardNumber: sandboxTestCards.success, expiry: "0999", cvc: "123" } });
    expect(saved).toMatchObject({ last4: "4242", expMonth: 9, expYear: 2099 });
    await expect(caller.billing.saveCard({ card: { ...card, expiry: "1399" } })).rejects.toMatchObject({
      cause: { code: "VALIDATION_ERROR", details: { fieldErrors: { expiry: ["Enter a future date as MM/YY."] } } },
    });
  });
});
