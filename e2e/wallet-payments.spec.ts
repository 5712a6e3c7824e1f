import { readFile } from "node:fs/promises";

import type { Page } from "@playwright/test";

import { expectPaid, payWith, testCards } from "./fixtures/checkout";
import { topupsOf } from "./fixtures/database";
import { expect, test } from "./fixtures/test";
import { balanceOf, fillGenerateForm, generateButton, ledgerOf, signUp } from "./fixtures/user";

// The wallet's payments on the production build: a receipt after checkout,
// auto top-up firing once when a generation crosses the threshold (and
// turning itself off on a declined card), the statement's kind filter and
// its CSV export.

async function saveCardAndTurnOnAutoTopup(page: Page, card: string, threshold: number) {
  await page.goto("/settings/billing");
  await page.getByLabel("Card number").fill(card);
  await page.getByLabel("Expiry (MM/YY)").fill("12/34");
  await page.getByLabel("CVC").fill("123");
  await page.getByRole("button", { name: "Save card" }).click();
  await expect(page.getByRole("list", { name: "Saved cards" })).toContainText(`ending in ${card.slice(-4)}`);
  // A threshold at or above the pack's credits is refused with a field message.
  await page.getByLabel("Turn on auto top-up").check();
  await page.getByLabel(/Top up when my balance falls below/).fill("100");
  await page.getByLabel("Pack to buy").selectOption("starter");
  await page.getByRole("button", { name: "Save auto top-up" }).click();
  await expect(page.getByText("The threshold must be below the pack's 100 credits.")).toBeVisible();
  await page.getByLabel(/Top up when my balance falls below/).fill(String(threshold));
  await page.getByRole("button", { name: "Save auto top-up" }).click();
  await expect(page.getByText("Auto top-up is on")).toBeVisible();
}

async function generateOne(page: Page, prompt: string) {
  await page.goto("/");
  await fillGenerateForm(page, { model: /^Storyteller/, prompt, outputs: 1 });
  await generateButton(page).click();
  await page.waitForURL(/\/jobs\//);
}

test.describe("Wallet payments", () => {
  test("buying a pack shows its receipt, linked from the statement", async ({ page }) => {
    await signUp(page);
    await page.goto("/buy");
    await page.getByRole("button", { name: /^Buy Creator:/ }).click();
    await page.waitForURL(/\/buy\/checkout\//);
    await page.getByLabel("Save this card").check();
    await payWith(page, testCards.success);
    await expectPaid(page);
    await page.getByRole("link", { name: "View receipt" }).click();
    await expect(page.getByRole("heading", { name: "Receipt", level: 1 })).toBeVisible();
    await expect(page.getByTestId("receipt-receipt-number")).toHaveText(/^CW-\d{4}-\d{6}$/);
    await expect(page.getByTestId("receipt-amount")).toHaveText("$20.00");
    await expect(page.getByTestId("receipt-pack")).toHaveText("Creator");
    await expect(page.getByTestId("receipt-credits")).toHaveText("500");
    await expect(page.getByTestId("receipt-payment-method")).toHaveText("Visa ending in 4242");
    await expect(page.getByTestId("receipt-provider-reference")).toHaveText(/^pay_sandbox_/);
    await expect(page.getByRole("button", { name: "Print" })).toBeVisible();
    const receiptUrl = page.url();

    await page.goto("/statement");
    await page.getByRole("link", { name: "Receipt", exact: true }).first().click();
    await expect(page).toHaveURL(receiptUrl);
    // The saved card is there for auto top-up.
    await page.goto("/settings/billing");
    await expect(page.getByRole("list", { name: "Saved cards" })).toContainText("Visa ending in 4242");
  });

  test("auto top-up fires once when a generation crosses the threshold", async ({ page }) => {
    const user = await signUp(page); // 100 welcome credits
    await saveCardAndTurnOnAutoTopup(page, testCards.success, 99);
    await generateOne(page, "A lighthouse keeper's cat, for the top-up");
    // 100 → 98 crosses 99: one Starter pack (+100) bought by the worker.
    await expect.poll(async () => (await ledgerOf(page.request)).filter((e) => e.kind === "PURCHASE").length, { timeout: 30_000 }).toBe(1);
    await generateOne(page, "A second story, above the threshold again");
    await expect.poll(async () => (await balanceOf(page.request)).available, { timeout: 30_000 }).toBe(196);
    // Nothing else may be bought. A top-up starts in the transaction of the
    // debit that crossed the threshold, so every one these charges could
    // start exists now: once none is still pending or running, count.
    await expect.poll(async () => topupsOf(user.email), { timeout: 30_000 }).toEqual({ started: 1, open: 0 });
    const purchases = (await ledgerOf(page.request)).filter((e) => e.kind === "PURCHASE");
    expect(purchases.map((e) => [e.amount, e.balanceBefore, e.balanceAfter])).toEqual([[100, 98, 198]]);

    await page.goto("/statement?kind=PURCHASE");
    await expect(page.getByTestId("ledger-row")).toHaveCount(1);
    await expect(page.getByTestId("ledger-row")).toContainText("Auto top-up: the Starter pack (100 credits)");
    await page.goto("/settings/billing");
    await expect(page.getByTestId("topup-row")).toHaveCount(1);
    await expect(page.getByTestId("topup-row")).toContainText("Succeeded");
  });

  test("a declined card turns auto top-up off and says so", async ({ page }) => {
    await signUp(page);
    await saveCardAndTurnOnAutoTopup(page, testCards.declined, 99);
    await generateOne(page, "A story that crosses the threshold");
    const banner = page.getByRole("status").filter({ hasText: /Auto top-up is off\..*Your card was declined\./ });
    await expect(async () => {
      await page.reload();
      await expect(banner).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(banner.getByRole("link", { name: "Update your card" })).toBeVisible();
    expect((await ledgerOf(page.request)).filter((e) => e.kind === "PURCHASE")).toHaveLength(0);
    await page.goto("/settings/billing");
    await expect(page.getByLabel("Turn on auto top-up")).not.toBeChecked();
    await expect(page.getByText("Auto top-up was turned off")).toBeVisible();
  });

  test("the statement filters by kind and exports exactly that as CSV", async ({ page }) => {
    await signUp(page);
    await page.goto("/buy");
    await page.getByRole("button", { name: /^Buy Starter:/ }).click();
    await page.waitForURL(/\/buy\/checkout\//);
    await payWith(page, testCards.success);
    await expectPaid(page);

    await page.goto("/statement");
    await expect(page.getByTestId("ledger-row")).toHaveCount(2);
    await page.getByRole("checkbox", { name: "Purchases" }).check();
    await expect(page).toHaveURL(/[?&]kind=PURCHASE/);
    await expect(page.getByTestId("ledger-row")).toHaveCount(1);
    await expect(page.getByTestId("ledger-row")).toHaveAttribute("data-kind", "PURCHASE");
    await page.reload(); // The filter lives in the URL.
    await expect(page.getByRole("checkbox", { name: "Purchases" })).toBeChecked();

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export CSV" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("creditworks-statement.csv");
    const csv = await readFile((await file.path()), "utf8");
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,date,kind,amount,balance_before,balance_after,reason,job_id,actor,receipt");
    expect(lines.slice(1).map((line) => line.split(",").slice(2, 6))).toEqual([["PURCHASE", "100", "100", "200"]]);

    await page.getByRole("checkbox", { name: "Grants" }).check();
    await expect(page.getByTestId("ledger-row")).toHaveCount(2);
    await page.getByRole("button", { name: "Clear filters" }).first().click();
    await expect(page).not.toHaveURL(/kind=/);
  });
});
