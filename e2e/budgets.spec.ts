import type { Page } from "@playwright/test";

import { horizontalOverflow, settled } from "./fixtures/layout";
import { expectAccessible } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { fillGenerateForm, generateButton, jobsOf, signUp, trpcMutation } from "./fixtures/user";

// SPEC §9 budgets as a user meets them: set the account's monthly budget,
// spend it from the Generate page, be refused with a notice that names the
// budget and links to raise it, raise it, and generate again.
// storyteller-v1 costs 2 credits per output: 2 outputs are 4 credits.

const screenshots = "test-results/budgets";

async function generate(page: Page, prompt: string) {
  await page.goto("/");
  await fillGenerateForm(page, { model: /^Storyteller/, prompt, outputs: 2 });
  await expect(page.getByTestId("total-cost")).toHaveText("4 credits");
  await generateButton(page).click();
}

async function saveLimit(page: Page, credits: number) {
  const limit = page.getByLabel("Limit in credits");
  await expect(limit).toBeFocused();
  await limit.fill(String(credits));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Budget saved")).toBeVisible();
}

test("a monthly budget of 4 credits holds one 4-credit job; the notice links to raise it; raised, Generate works again", async ({ page }) => {
  await signUp(page);
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Budgets" }).click();
  await page.waitForURL("**/settings/budgets");
  const account = page.getByRole("region", { name: "Whole account" });
  await expect(account.getByRole("heading", { name: "No budget on the account" })).toBeVisible();
  await expect(account).toContainText("a runaway script cannot spend more than the limit you set");

  await account.getByRole("button", { name: "Set a budget" }).click();
  await expect(account.getByRole("radio", { name: "Monthly" })).toBeChecked();
  // The browser's zone is the default.
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await expect(account.getByLabel("Time zone")).toHaveValue(browserZone);
  await saveLimit(page, 4);
  const meter = account.getByRole("progressbar", { name: "Spent of the account's budget" });
  await expect(meter).toHaveAttribute("aria-valuetext", "0 of 4 credits spent");
  await expect(account).toContainText("4 credits left");
  await expect(account).toContainText(/Resets on /);

  await generate(page, "Within the budget");
  await page.waitForURL(/\/jobs\//);

  await generate(page, "One job too many");
  const notice = page.getByRole("status").filter({ hasText: "This job would go over the account's monthly budget" });
  await expect(notice).toBeVisible();
  await expect(notice.getByTestId("budget-left")).toHaveText("0 of 4 credits left");
  await expect(notice).toContainText(/it resets on /);
  expect(await jobsOf(page.request)).toHaveLength(1);
  await page.screenshot({ path: `${screenshots}-notice.png`, animations: "disabled" });

  await notice.getByRole("link", { name: "Raise the budget" }).click();
  await page.waitForURL("**/settings/budgets");
  await expect(meter).toHaveAttribute("aria-valuetext", "4 of 4 credits spent");
  await expect(account).toContainText("0 credits left");
  // Keyboard only: the Edit button opens the form with the limit focused; Enter saves.
  await account.getByRole("button", { name: "Edit the account's budget" }).focus();
  await page.keyboard.press("Enter");
  await saveLimit(page, 10);
  await expect(meter).toHaveAttribute("aria-valuetext", "4 of 10 credits spent");
  await expect(account).toContainText("6 credits left");

  await generate(page, "Within the raised budget");
  await page.waitForURL(/\/jobs\//);
  expect(await jobsOf(page.request)).toHaveLength(2);
});

test("a limit below this period's spending is refused on the field, and nothing changes", async ({ page }) => {
  await signUp(page);
  const set = await trpcMutation(page.request, "budgets.set", { scope: "ACCOUNT", period: "MONTH", limitCredits: 10, timeZone: "UTC" });
  expect(set.appCode).toBeUndefined();
  await generate(page, "Spend four");
  await page.waitForURL(/\/jobs\//);

  await page.goto("/settings/budgets");
  const account = page.getByRole("region", { name: "Whole account" });
  await account.getByRole("button", { name: "Edit the account's budget" }).click();
  await account.getByLabel("Limit in credits").fill("3");
  await account.getByRole("button", { name: "Save budget" }).click();
  await expect(account.getByLabel("Limit in credits")).toHaveAccessibleDescription("At least 4 (already spent this period).");
  await expect(account.getByLabel("Limit in credits")).toHaveAttribute("aria-invalid", "true");
  await account.getByRole("button", { name: "Cancel" }).click();
  await expect(account.getByRole("progressbar", { name: "Spent of the account's budget" })).toHaveAttribute("aria-valuetext", "4 of 10 credits spent");

  // Removing asks first; keeping it changes nothing, confirming removes it.
  await account.getByRole("button", { name: "Remove the account's budget" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Remove the account's budget?" });
  await confirm.getByRole("button", { name: "Keep the budget" }).click();
  await expect(account.getByRole("progressbar")).toBeVisible();
  await account.getByRole("button", { name: "Remove the account's budget" }).click();
  await confirm.getByRole("button", { name: "Remove budget" }).click();
  await expect(account.getByRole("heading", { name: "No budget on the account" })).toBeVisible();
});

test("the budgets page fits 360 px with no sideways scrolling, with keys, budgets and the form open", async ({ page }) => {
  await signUp(page);
  // The longest things the page shows: a 62-character unbroken key name, a billion, a long zone.
  const key = await trpcMutation<{ key: { id: string } }>(page.request, "apiKeys.create", { name: `Nightly${"batch".repeat(11)}`, scopes: ["jobs:write"] });
  expect(key.appCode).toBeUndefined();
  const setUp = [
    await trpcMutation(page.request, "apiKeys.create", { name: "Unbudgeted", scopes: ["jobs:read"] }),
    await trpcMutation(page.request, "budgets.set", { scope: "ACCOUNT", period: "MONTH", limitCredits: 1_000_000_000, timeZone: "America/Argentina/ComodRivadavia" }),
    await trpcMutation(page.request, "budgets.set", { scope: "API_KEY", apiKeyId: key.data!.key.id, period: "TOTAL", limitCredits: 50, timeZone: "UTC" }),
  ];
  expect(setUp.map((answer) => answer.appCode)).toEqual([undefined, undefined, undefined]);

  await page.goto("/settings/budgets");
  await expect(page.getByRole("progressbar")).toHaveCount(2);
  await settled(page);
  await page.screenshot({ path: `${screenshots}-desktop.png`, fullPage: true, animations: "disabled" });

  await page.setViewportSize({ width: 360, height: 800 });
  await settled(page);
  expect(await horizontalOverflow(page)).toBeNull();
  await page.getByRole("button", { name: "Add a budget to “Unbudgeted”" }).click();
  await expect(page.getByLabel("Time zone")).toBeVisible();
  await settled(page);
  expect(await horizontalOverflow(page)).toBeNull();
  await page.screenshot({ path: `${screenshots}-phone.png`, fullPage: true, animations: "disabled" });
  await expectAccessible(page, "/settings/budgets at 360 px");

  // The API keys page shows each key's budget with a link here.
  await page.goto("/settings/api-keys");
  await expect(page.getByText("Budget: 50 of 50 credits left in total")).toBeVisible();
  expect(await horizontalOverflow(page)).toBeNull();
});
