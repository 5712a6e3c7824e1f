import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { AuditList } from "~/components/admin/audit-list";
import { BudgetChangesList, BudgetsList } from "~/components/admin/budgets-list";
import { isVoidable } from "~/components/admin/void-grant-dialog";
import { AutoTopupOffText } from "~/components/billing/auto-topup-banner";
import { GrantsList, type GrantRow } from "~/components/wallet/grants-table";
import { adjustedToast, auditStateLines, voidConsequence, voidedToast } from "~/lib/admin-copy";
import { cancelRefundPromise } from "~/lib/settlement-copy";

const now = new Date("2026-12-07T10:00:00Z");

describe("the admin's toasts", () => {
  it("a grant or a deduction of one credit says credit, not credits", () => {
    expect(adjustedToast({ direction: "grant", credits: 1, balanceAfter: 91, effectiveAt: now, replayed: false })).toBe("Granted 1 credit — balance now 91");
    expect(adjustedToast({ direction: "deduct", credits: 1, balanceAfter: 90, effectiveAt: now, replayed: true })).toBe("Deducted 1 credit — balance now 90 (already applied)");
    expect(adjustedToast({ direction: "grant", credits: 25, balanceAfter: 1_115, effectiveAt: now, replayed: false })).toBe("Granted 25 credits — balance now 1,115");
    expect(adjustedToast({ direction: "grant", credits: 1, balanceAfter: null, effectiveAt: now, replayed: false })).toMatch(/^1 credit scheduled from /);
  });

  it("voiding a scheduled grant says its credits will never be added, not that 0 expired", () => {
    const scheduled = { state: "scheduled", amount: 12, remaining: 0, effectiveAt: now };
    expect(voidedToast(scheduled, { voided: 0, replayed: false })).toBe("Scheduled grant voided; its 12 credits will never be added.");
    expect(voidConsequence(scheduled)).toMatch(/^Its 12 credits, due .+, will never be added to the account\.$/);
    expect(voidedToast({ state: "live", amount: 30 }, { voided: 1, replayed: false })).toBe("Grant voided; 1 credit expired.");
    expect(voidedToast({ state: "live", amount: 30 }, { voided: 30, replayed: false })).toBe("Grant voided; 30 credits expired.");
    expect(voidedToast({ state: "live", amount: 30 }, { voided: 0, replayed: true })).toBe("This grant was already voided.");
  });
});

describe("the wallet's grants", () => {
  const grant = (overrides: Partial<GrantRow>): GrantRow => ({
    id: "1", category: "PROMOTIONAL", priority: 10, amount: 100, remaining: 0, kind: "GRANT", reason: "Welcome credits",
    effectiveAt: now, expiresAt: null, state: "spent", closedAt: null, voidReason: null, ...overrides,
  });

  it("a grant with nothing left is Used up, not Live, and offers no Void", () => {
    const spent = grant({ state: "spent", remaining: 0 });
    const html = renderToStaticMarkup(createElement(GrantsList, { grants: [spent], empty: null, action: (row: GrantRow) => (isVoidable(row) ? "VOID" : null) }));
    expect(html).toContain("Used up");
    expect(html).not.toContain("Live");
    expect(html).not.toContain("VOID");
    expect(isVoidable(grant({ state: "live", remaining: 1 }))).toBe(true);
    expect(isVoidable(grant({ state: "scheduled" }))).toBe(true);
    expect(isVoidable(grant({ state: "expired" }))).toBe(false);
  });
});

describe("the audit trail's before and after", () => {
  it("one line per field, the internal note left out", () => {
    expect(auditStateLines({ balance: 115, grantId: "42", category: "PAID", internalNote: "Ticket 4411" })).toEqual(["balance: 115", "grantId: 42", "category: PAID"]);
    expect(auditStateLines({})).toEqual([]);
    expect(auditStateLines(null)).toEqual([]);
  });

  it("renders each field as a list item with a floor on its width, never one JSON string broken anywhere", () => {
    const row = {
      id: "1", adminId: "a", adminEmail: "admin@example.test", action: "credits.grant", targetUserId: "u", targetUserEmail: "u@example.test",
      targetJobId: null, reason: "Sorry", before: { balance: 90 }, after: { balance: 115, grantId: "42" }, createdAt: now,
    };
    const html = renderToStaticMarkup(createElement(AuditList, { rows: [row] }));
    expect(html).toContain("<li class=\"break-words\">balance: 115</li><li class=\"break-words\">grantId: 42</li>");
    expect(html).toContain("min-w-44");
    expect(html).not.toContain("break-all");
  });
});

describe("the auto top-up banner", () => {
  it("says declined once: the reason carries it", () => {
    const text = renderToStaticMarkup(createElement(AutoTopupOffText, { reason: "Your card was declined." })).replace(/<[^>]+>/g, "");
    expect(text).toBe("Auto top-up is off. Your card was declined.");
    expect(text.match(/declined/g)).toHaveLength(1);
  });
});

describe("the cancel dialog", () => {
  it("one output comes back; several come back", () => {
    expect(cancelRefundPromise(1, 5)).toBe("the output not delivered yet (5 credits) comes back to your balance.");
    expect(cancelRefundPromise(3, 5)).toBe("the 3 outputs not delivered yet (15 credits) come back to your balance.");
    expect(cancelRefundPromise(1, 1)).toBe("the output not delivered yet (1 credit) comes back to your balance.");
  });
});

describe("the admin's budget tables", () => {
  const keyBudget = {
    id: "7", scope: "API_KEY" as const, apiKey: { id: "k", name: "nightly", prefix: "cw_live_ab12cd34", revokedAt: null },
    member: null, period: "TOTAL" as const, timeZone: "UTC", limitCredits: 6, spentCredits: 2, resetsAt: null, removedAt: null, createdAt: now,
  };

  it("names what each budget limits, its period, and what is spent of it", () => {
    const html = renderToStaticMarkup(createElement(BudgetsList, { rows: [
      { ...keyBudget },
      { ...keyBudget, id: "8", scope: "ACCOUNT", apiKey: null, period: "MONTH", timeZone: "Europe/Paris", limitCredits: 10, spentCredits: 8, resetsAt: now, removedAt: now },
    ] }));
    expect(html).toContain("API key nightly");
    expect(html).toContain("The whole account");
    expect(html).toContain("Monthly (Europe/Paris)");
    expect(html).toContain("8<span class=\"text-muted-foreground\"> (80 %)</span>");
    expect(html).toContain("Never");
    expect(html).toContain("Removed");
    expect(renderToStaticMarkup(createElement(BudgetsList, { rows: [] }))).toContain("No budgets");
  });

  it("draws a bar of what each live budget has spent, named by what it limits; a member's budget names the member", () => {
    const html = renderToStaticMarkup(createElement(BudgetsList, { rows: [
      { ...keyBudget, id: "9", scope: "MEMBER", apiKey: null, member: { id: "m", email: "ann@example.test", name: "Ann" }, limitCredits: 10, spentCredits: 9 },
      { ...keyBudget, id: "10", scope: "ACCOUNT", apiKey: null, limitCredits: 50, spentCredits: 5, removedAt: now },
    ] }));
    expect(html).toContain("Member <span class=\"break-all\">ann@example.test</span>");
    expect(html.match(/role="progressbar"/g)).toHaveLength(1);
    expect(html).toContain("aria-label=\"Spent of ann@example.test&#x27;s budget\"");
    expect(html).toContain("aria-valuenow=\"9\"");
    expect(html).toContain("[&amp;&gt;div]:bg-amber-500");
  });

  it("shows each change as who, which budget, and before → after", () => {
    const html = renderToStaticMarkup(createElement(BudgetChangesList, { rows: [{
      id: "1", budgetId: "8", action: "LIMIT", actorUserId: "u", actorEmail: "owner@example.test", createdAt: now,
      before: { limitCredits: 10, period: "MONTH", timeZone: "UTC" }, after: { limitCredits: 20, period: "MONTH", timeZone: "UTC" },
    }, {
      id: "2", budgetId: "9", action: "CREATE", actorUserId: "u", actorEmail: null, createdAt: now, before: null, after: { limitCredits: 6, period: "TOTAL" },
    }] }));
    expect(html).toContain("owner@example.test");
    expect(html).toContain("limit 10 · month · UTC → limit 20 · month · UTC");
    expect(html).toContain("— → limit 6 · total");
  });
});
