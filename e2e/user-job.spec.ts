import { screenshotBoth } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { balanceOf, fillGenerateForm, generateButton, jobsOf, ledgerOf, signUp } from "./fixtures/user";

const jobUrl = /\/jobs\/([0-9a-f-]{36})$/;

test.describe("Job page", () => {
  test("reloading mid-generation loses nothing; progress continues to the end", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Canvas/, prompt: "Slow tide pools #slow", outputs: 3 });
    await generateButton(page).click();
    await page.waitForURL(jobUrl);
    const progress = page.getByTestId("job-progress");
    await expect(progress).toHaveText(/^[12] \/ 3 outputs/, { timeout: 20_000 });
    await screenshotBoth(page, "job-running");
    const before = Number((await progress.textContent())!.split(" ")[0]);

    await page.reload();
    // Right after the reload the page shows at least what it showed before.
    await expect(progress).toHaveText(/^\d \/ 3 outputs/);
    expect(Number((await progress.textContent())!.split(" ")[0])).toBeGreaterThanOrEqual(before);
    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 20_000 });
    await expect(progress).toHaveText("3 / 3 outputs");
    await expect(page.getByRole("img", { name: /^Output \d$/ })).toHaveCount(3);
    await expect(page.getByText("All outputs delivered")).toBeVisible();

    const [job] = await jobsOf(page.request);
    expect(job).toMatchObject({ status: "COMPLETED", outputsDone: 3, refundedAmount: 0 });
  });

  test("cancel mid-generation: CANCELLED, refund shown on the job and in the statement", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Storyteller/, prompt: "Never ending story #hang", outputs: 3 });
    await generateButton(page).click();
    await page.waitForURL(jobUrl);
    const jobId = jobUrl.exec(page.url())![1]!;
    await expect(page.getByTestId("balance-reserved")).toHaveText("6");

    await page.getByRole("button", { name: "Cancel job" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Cancel this job?" });
    await expect(dialog).toContainText("3 outputs not delivered yet (6 credits) come back");
    await dialog.getByRole("button", { name: "Cancel job" }).click();

    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "CANCELLED");
    await expect(page.getByTestId("job-refund")).toHaveText("3 outputs refunded (6 credits), nothing delivered");
    await expect(page.getByRole("button", { name: "Cancel job" })).toHaveCount(0);
    await expect(page.getByTestId("balance-available")).toHaveText("100");

    await page.getByRole("link", { name: "View statement" }).click();
    await page.waitForURL(/\/statement$/);
    const refundRow = page.getByTestId("ledger-row").filter({ hasText: "Refund" });
    await expect(refundRow).toHaveCount(1);
    await expect(refundRow).toContainText("+6");
    await expect(refundRow.getByRole("link", { name: `Job ${jobId.slice(0, 8)}` })).toBeVisible();

    const ledger = await ledgerOf(page.request);
    expect(ledger.filter((e) => e.jobId === jobId).map((e) => [e.kind, e.amount])).toEqual([["REFUND", 6], ["CHARGE", -6]]);
    expect(await balanceOf(page.request)).toEqual(expect.objectContaining({ available: 100, reserved: 0 }));
  });

  test("cancel after some outputs were delivered: they are kept and paid for, only the rest comes back (fair settlement)", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Storyteller/, prompt: "A slow saga #slow", outputs: 4 });
    await generateButton(page).click();
    await page.waitForURL(jobUrl);
    const jobId = jobUrl.exec(page.url())![1]!;
    await expect(page.getByTestId("job-progress")).toHaveText(/^[12] \/ 4 outputs/, { timeout: 20_000 });

    await page.getByRole("button", { name: "Cancel job" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Cancel this job?" });
    await expect(dialog).toContainText("Outputs already delivered are yours and stay paid for");
    await dialog.getByRole("button", { name: "Cancel job" }).click();

    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "CANCELLED");
    const [job] = (await jobsOf(page.request)).filter((j) => j.id === jobId);
    expect(job!.outputsDone).toBeGreaterThan(0);
    const undelivered = 4 - job!.outputsDone;
    expect(job!.refundedAmount).toBe(undelivered * 2);
    await expect(page.getByTestId("job-refund")).toHaveText(
      `${undelivered} output${undelivered === 1 ? "" : "s"} refunded (${undelivered * 2} credits), ${job!.outputsDone} delivered and paid`,
    );
    expect(await balanceOf(page.request)).toEqual(expect.objectContaining({ available: 100 - job!.outputsDone * 2, reserved: 0 }));
  });

  test("#fail-output-2: partial result and partial refund", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Storyteller/, prompt: "Three letters #fail-output-2", outputs: 3 });
    await generateButton(page).click();
    await page.waitForURL(jobUrl);
    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 20_000 });
    await expect(page.getByTestId("job-progress")).toHaveText("2 / 3 outputs · 1 failed");
    await expect(page.getByText("Partly delivered")).toBeVisible();
    await expect(page.getByTestId("job-refund")).toHaveText("1 output refunded (2 credits), 2 delivered and paid");
    await expect(page.getByTestId("job-output").nth(1)).toHaveAttribute("data-state", "FAILED");
    await expect(page.getByTestId("job-output").nth(1)).toContainText("Output 2 failed");
    await expect(page.getByTestId("job-refunded")).toHaveText("2 credits");

    const [job] = await jobsOf(page.request);
    expect(job).toMatchObject({ status: "COMPLETED", outputsDone: 2, outputsFailed: 1, refundedAmount: 2, totalCost: 6 });
    const refunds = (await ledgerOf(page.request)).filter((e) => e.kind === "REFUND");
    expect(refunds.map((e) => [e.amount, e.jobId])).toEqual([[2, job!.id]]);
    await expect(page.getByTestId("balance-available")).toHaveText("96");
  });

  test("a job that does not exist is asked for once, not polled forever; the page has its h1", async ({ page }) => {
    await signUp(page);
    const asked: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/trpc/") && request.url().includes("jobs.get")) asked.push(request.url());
    });
    // The page's timers run on a clock the test moves: a minute of polls and
    // retries fire at once, on any machine.
    await page.clock.install();
    await page.goto(`/jobs/${crypto.randomUUID()}`);
    await expect(page.getByRole("heading", { level: 1, name: "Job not found" })).toBeVisible();
    await page.clock.runFor(60_000);
    // Absence, proven by what comes after it: a request the page sends now
    // is seen after any poll those timers sent.
    const sentinel = page.waitForRequest((request) => request.url().includes("/api/health?after-the-clock"));
    await page.evaluate(() => fetch("/api/health?after-the-clock"));
    await sentinel;
    expect(asked.length).toBeLessThanOrEqual(1);
  });
});
