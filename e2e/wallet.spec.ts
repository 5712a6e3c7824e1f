import { expireGrantsNow, grantDirectly } from "./fixtures/database";
import { expect, test } from "./fixtures/test";
import { signUp } from "./fixtures/user";

const cronSecret = "e2e-cron-secret-0123456789";

/**
 * The wallet from a user's seat (SPEC §7): the header warns of credits about
 * to expire, the statement lists the grants in spending order, and once the
 * grant has expired its credits are gone from the balance at once (before
 * the sweep writes the "Expired" entry that explains them).
 */
test("a promotional grant that expires: warned in the header, spent first, gone after the sweep", async ({ page, request }) => {
  test.setTimeout(90_000);
  const user = await signUp(page); // 100 welcome credits: promotional, expiring in 30 days
  await grantDirectly(user.email, { amount: 40, category: "PROMOTIONAL", expiresInMs: 30 * 60_000, reason: "Flash promo" });
  await grantDirectly(user.email, { amount: 25, category: "PAID", reason: "Paid credits" });

  await page.goto("/statement");
  await expect(page.getByTestId("balance-available")).toHaveText("165");
  await expect(page.getByTestId("balance-expiring")).toContainText("40 expire within the hour");
  const grants = page.getByRole("list", { name: "Grants, in the order credits are spent" }).getByTestId("wallet-grant");
  await expect(grants).toHaveCount(3);
  // Spending order: promotional before paid; of the promotional ones, the soonest to expire first.
  await expect(grants.nth(0)).toContainText("Flash promo");
  await expect(grants.nth(1)).toContainText("Welcome credits");
  await expect(grants.nth(2)).toContainText("Paid credits");
  await expect(page.getByTestId("wallet-expiring")).toContainText("40 credits expire within the hour");

  // Half an hour later, as far as the database's clock is concerned.
  await expireGrantsNow(user.email, "Flash promo");
  // Before any sweep, the header already shows what can be spent: expiry is computed at read time.
  await page.reload();
  await expect(page.getByTestId("balance-available")).toHaveText("125");
  await expect(page.getByTestId("balance-expiring")).toHaveCount(0);
  await expect(grants).toHaveCount(2);
  const sweep = await request.get("/api/cron/cleanup-stuck-jobs", { headers: { authorization: `Bearer ${cronSecret}` } });
  expect(sweep.ok()).toBe(true);

  await page.reload();
  await expect(page.getByTestId("balance-available")).toHaveText("125");
  await expect(page.getByTestId("balance-expiring")).toHaveCount(0);
  await expect(grants).toHaveCount(2);
  await expect(page.getByRole("cell", { name: "Expired: Flash promo" })).toBeVisible();
  await page.getByText("Expired and voided (1)").click();
  await expect(page.getByRole("list", { name: "Expired and voided grants" }).getByTestId("wallet-grant")).toContainText("Flash promo");
});
