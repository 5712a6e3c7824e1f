import { expectPaid } from "./fixtures/checkout";
import { viewports } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { ledgerOf, signUp } from "./fixtures/user";

// Card details typed on a phone's numeric keypad, which often has no "/"
// and no space: digits only, formatted as they are typed (groups of four,
// MM/YY), as payment forms do.

test.use({ viewport: viewports.phone });

test("checkout takes digits only: the card number groups by four, the expiry becomes MM/YY, and it pays", async ({ page }) => {
  await signUp(page);
  await page.goto("/buy");
  await page.getByRole("button", { name: /^Buy Starter:/ }).click();
  await page.waitForURL(/\/buy\/checkout\//);
  const number = page.getByLabel("Card number");
  const expiry = page.getByLabel("Expiry (MM/YY)");
  await expect(expiry).toHaveAttribute("inputmode", "numeric");
  await number.pressSequentially("4242424242424242");
  await expect(number).toHaveValue("4242 4242 4242 4242");
  await expiry.pressSequentially("12");
  await expect(expiry).toHaveValue("12");
  await expiry.pressSequentially("34");
  await expect(expiry).toHaveValue("12/34");
  // Deleting goes back over the slash as if it were not there.
  await expiry.press("Backspace");
  await expect(expiry).toHaveValue("12/3");
  await expiry.press("Backspace");
  await expect(expiry).toHaveValue("12");
  await expiry.pressSequentially("34");
  await page.getByLabel("CVC").pressSequentially("123");
  await page.getByRole("button", { name: /^Pay \$/ }).click();
  await expectPaid(page);
  expect((await ledgerOf(page.request)).filter((entry) => entry.kind === "PURCHASE")).toHaveLength(1);
});

test("a card saved on the billing page takes digits only too", async ({ page }) => {
  await signUp(page);
  await page.goto("/settings/billing");
  const number = page.getByLabel("Card number");
  await number.pressSequentially("4000000000000002");
  await expect(number).toHaveValue("4000 0000 0000 0002");
  const expiry = page.getByLabel("Expiry (MM/YY)");
  await expiry.pressSequentially("0930");
  await expect(expiry).toHaveValue("09/30");
  await page.getByLabel("CVC").pressSequentially("123");
  await page.getByRole("button", { name: "Save card" }).click();
  await expect(page.getByRole("list", { name: "Saved cards" })).toContainText("Visa ending in 0002 · expires 09/2030");
});
