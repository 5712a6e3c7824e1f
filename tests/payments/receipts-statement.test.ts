import { describe, expect, it } from "vitest";

import { callerFor, createUser, db } from "../helpers";
import { csvCell } from "~/server/wallet/csv";
import { statementCsv } from "~/server/wallet/statement-csv";
import { formatReceiptNumber } from "~/server/payments/receipts";
import { sandboxTestCards } from "~/server/payments/sandbox";
import { money } from "~/server/money";

const card = { cardNumber: sandboxTestCards.success, expiry: "12/99", cvc: "123" };

async function collect(lines: AsyncIterable<string>) {
  let text = "";
  for await (const line of lines) text += line;
  return text;
}

describe("receipts", () => {
  it("a paid checkout has a receipt with number, pack, credits, amount, last four and reference; only for its owner", async () => {
    const user = await createUser();
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "creator" });
    await expect(caller.checkout.receipt({ id: checkout.id })).rejects.toMatchObject({ cause: { code: "NOT_FOUND" } });
    await caller.checkout.pay({ checkoutId: checkout.id, card, saveCard: true });
    const receipt = await caller.checkout.receipt({ id: checkout.id });
    expect(receipt).toMatchObject({
      packName: "Creator", credits: 500, amountCents: 2000, currency: "usd", cardBrand: "Visa", cardLast4: "4242",
      providerReference: expect.stringMatching(/^pay_sandbox_/), automatic: false,
    });
    expect(receipt.number).toMatch(/^CW-\d{4}-\d{6}$/);
    await expect(callerFor(await createUser()).checkout.receipt({ id: checkout.id })).rejects.toMatchObject({ cause: { code: "NOT_FOUND" } });
    // "save this card" at checkout kept it for auto top-up.
    expect((await caller.billing.autoTopup()).paymentMethods).toMatchObject([{ last4: "4242", brand: "Visa" }]);
  });

  it("the database refuses a COMPLETED checkout without a receipt number, and a receipt on an open one", async () => {
    const user = await createUser();
    const checkout = await callerFor(user).checkout.open({ packId: "starter" });
    await expect(db.$executeRaw`UPDATE checkout SET status = 'COMPLETED' WHERE id = ${checkout.id}::uuid`).rejects.toThrow(/checkout_receipt_when_completed/);
    await expect(db.$executeRaw`UPDATE checkout SET receipt_number = 999999 WHERE id = ${checkout.id}::uuid`).rejects.toThrow(/checkout_receipt_when_completed/);
    await expect(db.$executeRaw`UPDATE checkout SET card_last4 = '4242424242424242' WHERE id = ${checkout.id}::uuid`).rejects.toThrow(/checkout_card_last4_digits/);
  });

  it("receipt numbers are distinct and formatted with the year", async () => {
    expect(formatReceiptNumber(123, new Date("2026-11-30T12:00:00Z"))).toBe("CW-2026-000123");
    expect(formatReceiptNumber(1234567, new Date("2027-01-01T00:00:00Z"))).toBe("CW-2027-1234567");
    const user = await createUser();
    const caller = callerFor(user);
    const numbers = new Set<string>();
    for (const packId of ["starter", "starter", "studio"]) {
      const checkout = await caller.checkout.open({ packId });
      await caller.checkout.pay({ checkoutId: checkout.id, card });
      numbers.add((await caller.checkout.receipt({ id: checkout.id })).number);
    }
    expect(numbers.size).toBe(3);
  });
});

describe("statement filters and CSV", () => {
  async function userWithHistory() {
    const user = await createUser({ balance: 50 });
    const caller = callerFor(user);
    const checkout = await caller.checkout.open({ packId: "starter" });
    await caller.checkout.pay({ checkoutId: checkout.id, card });
    await money.moveCredits(db, {
      workspaceId: user.id, amount: -7, kind: "ADJUSTMENT", actor: { type: "ADMIN", id: "admin" },
      reason: '=HYPERLINK("http://evil.example","click"), with "quotes"', idempotencyKey: "adj",
    });
    return { user, caller, checkout };
  }

  it("filters by kind and date range; purchases lead to their receipt", async () => {
    const { caller, checkout } = await userWithHistory();
    const purchases = await caller.credits.ledger({ limit: 20, kinds: ["PURCHASE"] });
    expect(purchases.items.map((item) => item.kind)).toEqual(["PURCHASE"]);
    expect(purchases.items[0]!.receiptCheckoutId).toBe(checkout.id);
    expect(purchases.items[0]).not.toHaveProperty("idempotencyKey");
    const two = await caller.credits.ledger({ limit: 20, kinds: ["GRANT", "ADJUSTMENT"] });
    expect(two.items.map((item) => item.kind)).toEqual(["ADJUSTMENT", "GRANT"]);
    // EXPIRE (a kind grants bring) matches nothing until it exists, and never fails.
    expect((await caller.credits.ledger({ limit: 20, kinds: ["EXPIRE"] })).items).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await caller.credits.ledger({ limit: 20, from: today, to: today })).items).toHaveLength(3);
    expect((await caller.credits.ledger({ limit: 20, to: "2020-01-01" })).items).toEqual([]);
    expect((await caller.credits.ledger({ limit: 20, from: "2999-01-01" })).items).toEqual([]);
    await expect(caller.credits.ledger({ limit: 20, from: "2026-12-01", to: "2026-11-01" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.credits.ledger({ limit: 20, from: "yesterday" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("exports exactly the filtered ledger as CSV, quoted and safe from formula injection, own entries only", async () => {
    const { user } = await userWithHistory();
    await createUser({ balance: 999 });
    const all = await collect(statementCsv(db, user.id, {}));
    const lines = all.trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,date,kind,amount,balance_before,balance_after,reason,job_id,actor,receipt");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`,ADJUSTMENT,-7,150,143,"'=HYPERLINK(""http://evil.example"",""click""), with ""quotes""",,ADMIN,`);
    // The other user's 999 appears in no amount or balance column (ids are random, so no substring check).
    expect(lines.slice(1).flatMap((line) => line.split(",").slice(3, 6))).not.toContain("999");
    const purchasesOnly = await collect(statementCsv(db, user.id, { kinds: ["PURCHASE"] }));
    expect(purchasesOnly.trimEnd().split("\r\n").slice(1).map((line) => line.split(",")[2])).toEqual(["PURCHASE"]);
    expect(await collect(statementCsv(db, user.id, { to: "2020-01-01" }))).toBe(`${lines[0]}\r\n`);
  });

  it("quotes cells the RFC way and neutralises formulas", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    for (const formula of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"]) expect(csvCell(formula).replace(/^"/, "")).toMatch(/^'/);
    expect(csvCell(-7)).toBe("-7");
    expect(csvCell(null)).toBe("");
  });
});
