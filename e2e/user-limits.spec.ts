import type { APIRequestContext } from "@playwright/test";

import { buyPack, expectPaid } from "./fixtures/checkout";
import { screenshotBoth } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { balanceOf, createdAndCancelled, createJobViaApi, fillGenerateForm, generateButton, jobsOf, ledgerOf, signUp, trpcMutation } from "./fixtures/user";

async function waitUntilNoActiveJobs(request: APIRequestContext) {
  await expect.poll(async () => (await balanceOf(request)).reserved, { timeout: 20_000 }).toBe(0);
}

test.describe("Error codes drive their UI flows", () => {
  test("INSUFFICIENT_CREDITS → dialog → buy → pay → back → generate succeeds with the prompt kept", async ({ page }) => {
    await signUp(page);
    // Spend all 100 welcome credits (5 jobs × 20), then wait for them to finish.
    for (let i = 0; i < 5; i++) {
      const { data } = await createJobViaApi(page.request, `Drain ${i}`, 4, "canvas-v1");
      expect(data?.job.totalCost).toBe(20);
    }
    await waitUntilNoActiveJobs(page.request);
    expect((await balanceOf(page.request)).available).toBe(0);

    await page.goto("/");
    await fillGenerateForm(page, { model: /^Canvas/, prompt: "Worth buying credits for", outputs: 2 });
    await generateButton(page).click();
    const dialog = page.getByRole("dialog", { name: "You need 10 more credits" });
    await expect(dialog).toBeVisible();
    if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "docs/screenshots/insufficient-credits-desktop.png" });
    await dialog.getByRole("link", { name: "Buy credits" }).click();
    await page.waitForURL(/\/buy\?next=(%2F|\/)$/);

    await buyPack(page, "Starter");
    await expectPaid(page);
    await expect(page.getByTestId("balance-available")).toHaveText("100");
    await page.getByRole("link", { name: "Continue where you left off" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(page.getByLabel("Prompt")).toHaveValue("Worth buying credits for");
    await expect(page.getByRole("radio", { name: /^Canvas/ })).toHaveAttribute("aria-checked", "true");
    await expect(page.getByTestId("total-cost")).toHaveText("10 credits");
    await generateButton(page).click();
    await page.waitForURL(/\/jobs\//);
    expect(await jobsOf(page.request)).toHaveLength(6);
    const kinds = (await ledgerOf(page.request)).map((e) => e.kind);
    expect(kinds.filter((k) => k === "PURCHASE")).toHaveLength(1);
    expect(kinds.filter((k) => k === "CHARGE")).toHaveLength(6);
  });

  test("RATE_LIMIT_EXCEEDED → Generate disabled with a live countdown; the jobs list and statement paginate", async ({ page }) => {
    await signUp(page);
    // Ten jobs this minute, the tenth after the page opened (cancelled at
    // once so the active limit never trips first; a page opened at the limit
    // shows the countdown from the start: e2e/generate-reload.spec.ts).
    const burst = (i: number) => createdAndCancelled(page.request, `Burst ${i}`);
    for (let i = 0; i < 9; i++) await burst(i);
    await page.goto("/");
    await fillGenerateForm(page, { prompt: "One too many" });
    await burst(9);
    await generateButton(page).click();
    const button = page.getByRole("button", { name: /^Try again in \d+s$/ });
    await expect(button).toBeDisabled();
    await expect(page.getByText("Too many jobs this minute")).toBeVisible();
    const seconds = page.getByTestId("rate-limit-seconds");
    const first = Number(await seconds.textContent());
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(60);
    // A countdown ticks every second; 10 s is ten ticks, for a slow machine.
    await expect.poll(async () => Number(await seconds.textContent()), { timeout: 10_000 }).toBeLessThan(first);
    await screenshotBoth(page, "rate-limit");
    expect(await jobsOf(page.request)).toHaveLength(10);
    expect((await ledgerOf(page.request)).filter((e) => e.kind === "CHARGE")).toHaveLength(10);

    // The ten jobs paginate (8 per page) and filter by status.
    await page.goto("/jobs");
    const rows = page.getByTestId("job-row");
    await expect(rows).toHaveCount(8);
    const pagination = page.getByRole("navigation", { name: "Jobs pages" });
    await pagination.getByRole("button", { name: "Next" }).click();
    await expect(rows).toHaveCount(2);
    await expect(pagination).toContainText("Page 2");
    await pagination.getByRole("button", { name: "Previous" }).click();
    await expect(rows).toHaveCount(8);
    await page.getByRole("button", { name: "Completed" }).click();
    await expect(page).toHaveURL(/\/jobs\?status=COMPLETED$/);
    await expect(page.getByRole("heading", { name: "No completed jobs" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Generate something" })).toHaveAttribute("href", "/");
    await page.getByRole("button", { name: "Cancelled" }).click();
    await expect(rows).toHaveCount(8);

    // The statement: 1 grant + 10 charges + 10 refunds = 21 entries, 20 per page.
    await page.goto("/statement");
    const entries = page.getByTestId("ledger-row");
    await expect(entries).toHaveCount(20);
    await page.getByRole("navigation", { name: "Statement pages" }).getByRole("button", { name: "Next" }).click();
    await expect(entries).toHaveCount(1);
    await expect(entries.first()).toContainText("Welcome credits");
    await expect(page.getByTestId("ledger-balanced")).toContainText("21 entries add up to your balance of 100");
  });

  test("MAX_ACTIVE_JOBS → notice linking to the active jobs", async ({ page }) => {
    await signUp(page);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const { data } = await createJobViaApi(page.request, `Busy ${i} #hang`);
        ids.push(data!.job.id);
      }
      await page.goto("/");
      await fillGenerateForm(page, { prompt: "Sixth at once" });
      await generateButton(page).click();
      await expect(page.getByText("Too many active jobs")).toBeVisible();
      if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: "docs/screenshots/max-active-desktop.png" });
      await expect(generateButton(page)).toBeEnabled();
      await page.getByRole("link", { name: "See active jobs" }).click();
      await page.waitForURL(/\/jobs\?status=active$/);
      await expect(page.getByRole("button", { name: "Active", pressed: true })).toBeVisible();
      await expect(page.getByTestId("job-row")).toHaveCount(5);
      expect(await jobsOf(page.request)).toHaveLength(5);
    } finally {
      // Free the worker slots the hanging jobs hold.
      for (const id of ids) await trpcMutation(page.request, "jobs.cancel", { id });
    }
  });
});
