import { buyPack, expectPaid } from "./fixtures/checkout";
import { expect, test } from "./fixtures/test";
import { signUp } from "./fixtures/user";

// A printed receipt is the receipt and nothing else: no header, no banner
// asking to verify the email (nor its button), no footer, no toast.

test("printing a receipt prints only the receipt", async ({ page }) => {
  await signUp(page); // Not verified: the banner is on every page.
  const checkoutId = await buyPack(page, "Starter");
  await expectPaid(page);
  await page.goto(`/receipts/${checkoutId}`);
  const receipt = page.getByRole("article", { name: "Receipt" });
  await expect(receipt).toBeVisible();
  const banner = page.getByRole("region", { name: "Account verification" });
  await banner.getByRole("button", { name: "Resend the email" }).click();
  const toast = page.getByText(/^Verification email sent to /);
  await expect(toast).toBeVisible();

  await page.emulateMedia({ media: "print" });
  await expect(receipt).toBeVisible();
  await expect(receipt.getByTestId("receipt-amount")).toBeVisible();
  for (const hidden of [banner, page.getByRole("banner"), page.getByRole("contentinfo"), toast, page.getByRole("button", { name: "Print" })]) {
    await expect(hidden).toBeHidden();
  }
  // Nothing outside the receipt takes space on paper (its own toolbar neither).
  const outside = await page.evaluate(() => {
    const article = document.querySelector('article[aria-labelledby="receipt-title"]')!;
    const toolbar = article.firstElementChild!;
    return [...document.body.querySelectorAll("*")]
      .filter((element) => !element.contains(article) && (!article.contains(element) || toolbar.contains(element)))
      .filter((element) => {
        const box = element.getBoundingClientRect();
        return element.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && box.width > 1 && box.height > 1;
      })
      .map((element) => `${element.tagName.toLowerCase()} “${(element.textContent ?? "").trim().slice(0, 40)}”`);
  });
  expect(outside, "visible on paper outside the receipt").toEqual([]);

  await page.emulateMedia({ media: "screen" });
  await expect(page.getByRole("banner")).toBeVisible();
});
