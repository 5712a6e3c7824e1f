import { afterAll, describe, expect, it } from "vitest";

import trpcHandler from "~/pages/api/trpc/[trpc]";
import { sandboxTestCards } from "~/server/payments/sandbox";

import { servePagesApi } from "../fixtures/pages-api";
import { signedUpUser } from "../fixtures/sessions";
import { callTrpc, testEmail } from "../fixtures/trpc-http";
import { callerFor, createUser, db, expectConserved } from "../helpers";

// A paid checkout's pay, sent again because its first answer was lost (a
// dropped connection, a double submit, a second tab), must answer what the
// first answered — the receipt — and charge nothing, as every other money
// call does with its idempotency key. The checkout id is this call's key.

const card = { cardNumber: sandboxTestCards.success, expiry: "12/99", cvc: "123" };

async function purchasesOf(userId: string) {
  return db.ledgerEntry.findMany({ where: { workspaceId: userId, kind: "PURCHASE" }, select: { id: true, amount: true } });
}

const server = await servePagesApi(trpcHandler as never, "/api/trpc", "trpc");
afterAll(() => server.close());

describe("checkout.pay sent again after it was paid", () => {
  it("through the caller: answers the first answer again (replayed), grants nothing more", async () => {
    const user = await createUser({ balance: 10 });
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "starter" });
    const first = await caller.checkout.pay({ checkoutId: checkout.id, card, saveCard: true });
    expect(first).toMatchObject({ status: "paid", replayed: false, credits: 100, balanceAfter: 110 });
    // Something else moves the balance in between: the retry still answers the purchase's own balance.
    await caller.checkout.pay({ checkoutId: (await caller.checkout.open({ packId: "starter" })).id, card });

    const again = await caller.checkout.pay({ checkoutId: checkout.id, card, saveCard: true });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await purchasesOf(user.id)).toHaveLength(2);
    expect(await db.paymentMethod.count({ where: { workspaceId: user.id } })).toBe(1);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(210);
    await expectConserved(user.id, expect);
  });

  it("the same pay sent five times at once grants once, and every answer is the receipt", async () => {
    const user = await createUser();
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "creator" });
    const answers = await Promise.all(Array.from({ length: 5 }, () => caller.checkout.pay({ checkoutId: checkout.id, card, saveCard: true })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill("paid"));
    expect(answers.filter((answer) => answer.status === "paid" && !answer.replayed)).toHaveLength(1);
    const ledgerEntryIds = new Set(answers.map((answer) => (answer.status === "paid" ? answer.ledgerEntryId : null)));
    expect(ledgerEntryIds.size).toBe(1);
    const savedIds = new Set(answers.map((answer) => (answer.status === "paid" ? answer.savedPaymentMethodId : null)));
    expect(savedIds.size).toBe(1);
    expect(await db.paymentMethod.count({ where: { workspaceId: user.id, removedAt: null } })).toBe(1);
    expect(await purchasesOf(user.id)).toHaveLength(1);
    await expectConserved(user.id, expect);
  });

  it("over HTTP with a session: open, pay, the same pay again → 200 with the same receipt", async () => {
    const { user, cookie } = await signedUpUser({ email: testEmail("pay-retry"), password: "correct-horse-battery", name: "Payer" });
    const opened = await callTrpc(server.baseUrl, "POST", "checkout.open", { cookie, input: { packId: "starter" } });
    expect(opened.status).toBe(200);
    const checkoutId = (opened.data as { id: string }).id;
    const first = await callTrpc(server.baseUrl, "POST", "checkout.pay", { cookie, input: { checkoutId, card } });
    expect(first.status).toBe(200);
    const again = await callTrpc(server.baseUrl, "POST", "checkout.pay", { cookie, input: { checkoutId, card } });
    expect(again.status, again.text).toBe(200);
    expect(again.data).toEqual({ ...(first.data as object), replayed: true });
    expect(await purchasesOf(user.id)).toHaveLength(1);
    await expectConserved(user.id, expect);
  });

  it("a declined checkout of an auto top-up still says so; another user's checkout stays NOT_FOUND", async () => {
    const owner = await createUser();
    const other = await createUser();
    const checkout = await callerFor(owner).checkout.open({ packId: "starter" });
    await callerFor(owner).checkout.pay({ checkoutId: checkout.id, card });
    await expect(callerFor(other).checkout.pay({ checkoutId: checkout.id, card })).rejects.toMatchObject({ cause: { code: "NOT_FOUND" } });
    const declined = await callerFor(owner).checkout.open({ packId: "starter" });
    await db.checkout.update({ where: { id: declined.id }, data: { status: "DECLINED" } });
    await expect(callerFor(owner).checkout.pay({ checkoutId: declined.id, card })).rejects.toMatchObject({
      cause: { code: "VALIDATION_ERROR", message: "This checkout was declined." },
    });
  });
});
