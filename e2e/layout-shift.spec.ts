import type { Page } from "@playwright/test";

import { layoutShiftOf, settled, trackLayoutShifts } from "./fixtures/layout";
import { viewports } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { createJobViaApi, jobsOf, signUpViaApi, trpcMutation } from "./fixtures/user";

// Nothing on a page moves after it is first painted, for the account most
// likely to see extra chrome: one that has not verified its email (a
// banner under the header asks it to). Cumulative layout shift is the sum of
// the shifts no input caused, recorded from the first paint by a
// PerformanceObserver and read once the page has settled; "good" is < 0.1.

const clsGood = 0.1;

type Seeded = { jobId: string; checkoutId: string; receiptId: string };

/** An unverified account with a completed job, an open checkout and a paid one. */
async function seed(page: Page): Promise<Seeded> {
  await signUpViaApi(page.request);
  const job = await createJobViaApi(page.request, "A harbour at dawn", 2, "canvas-v1");
  const open = await trpcMutation<{ id: string }>(page.request, "checkout.open", { packId: "starter" });
  const paid = await trpcMutation<{ id: string }>(page.request, "checkout.open", { packId: "creator" });
  const card = { cardNumber: "4242424242424242", expiry: "12/34", cvc: "123" };
  const payment = await trpcMutation(page.request, "checkout.pay", { checkoutId: paid.data?.id, card, saveCard: true });
  expect(job.data && open.data && paid.data && payment.data).toBeTruthy();
  await expect.poll(async () => (await jobsOf(page.request))[0]?.status, { timeout: 20_000 }).toBe("COMPLETED");
  return { jobId: job.data!.job.id, checkoutId: open.data!.id, receiptId: paid.data!.id };
}

test("an unverified account's pages do not shift after the first paint, at desktop and phone width", async ({ page, context }) => {
  test.setTimeout(180_000);
  await trackLayoutShifts(context);
  const seeded = await seed(page);
  const pages: Array<[path: string, ready: () => Promise<void>]> = [
    ["/", () => expect(page.getByRole("heading", { level: 1, name: "Generate" })).toBeVisible()],
    ["/jobs", () => expect(page.getByTestId("job-row")).toHaveCount(1)],
    [`/jobs/${seeded.jobId}`, () => expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED")],
    ["/statement", () => expect(page.getByTestId("ledger-balanced")).toBeVisible()],
    ["/buy", () => expect(page.getByRole("button", { name: /^Buy Creator:/ })).toBeVisible()],
    [`/buy/checkout/${seeded.checkoutId}`, () => expect(page.getByLabel("Card number")).toBeVisible()],
    [`/receipts/${seeded.receiptId}`, () => expect(page.getByRole("heading", { level: 1, name: "Receipt" })).toBeVisible()],
    ["/settings/account", () => expect(page.getByRole("heading", { name: "Password" })).toBeVisible()],
    ["/settings/billing", () => expect(page.getByRole("list", { name: "Saved cards" })).toBeVisible()],
    ["/settings/api-keys", () => expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible()],
    ["/settings/webhooks", () => expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible()],
    ["/docs/api", () => expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible()],
  ];
  const shifts: string[] = [];
  for (const [size, viewport] of Object.entries(viewports)) {
    await page.setViewportSize(viewport);
    for (const [path, ready] of pages) {
      await page.goto(path);
      await ready();
      // The banner is the point of this test: it must be there, asking.
      await expect(page.getByRole("region", { name: "Account verification" })).toBeVisible();
      await settled(page);
      const shift = await layoutShiftOf(page);
      if (shift.total >= clsGood) shifts.push(`${path} at ${size}: ${shift.total.toFixed(3)} — ${shift.sources.slice(0, 4).join(", ")}`);
    }
  }
  expect(shifts, "pages whose layout shifted (CLS ≥ 0.1)").toEqual([]);
});
