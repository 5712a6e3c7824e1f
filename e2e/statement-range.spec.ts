import { expect, test } from "./fixtures/test";
import { signUp } from "./fixtures/user";

// A statement link whose dates are the wrong way round says so, the way the
// date inputs do when they are typed that way, instead of quietly showing
// every entry as if there were no range.

const rangeError = "The start date must be on or before the end date.";

test("a statement URL with the dates reversed shows the range error, like the inputs", async ({ page }) => {
  await signUp(page);
  await page.goto("/statement?from=2026-12-31&to=2026-01-01&kind=GRANT");
  await expect(page.getByTestId("ledger-row").first()).toBeVisible();
  await expect(page.getByLabel("From (UTC)")).toHaveValue("2026-12-31");
  await expect(page.getByLabel("To (UTC)")).toHaveValue("2026-01-01");
  await expect(page.getByText(rangeError)).toBeVisible();
  await expect(page.getByLabel("To (UTC)")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("checkbox", { name: "Grants" })).toBeChecked();

  // Fixing the range in the inputs clears the message.
  await page.getByLabel("From (UTC)").fill("2025-12-31");
  await expect(page.getByText(rangeError)).toBeHidden();
  await expect(page).toHaveURL(/[?&]from=2025-12-31(&|$)/);
  await expect(page).toHaveURL(/[?&]to=2026-01-01(&|$)/);

  // The inputs typed the wrong way round show the same message.
  await page.getByLabel("From (UTC)").fill("2026-02-01");
  await expect(page.getByText(rangeError)).toBeVisible();
});
