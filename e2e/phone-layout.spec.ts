import type { Page } from "@playwright/test";

import { seededAdmin } from "./fixtures/admin";
import { horizontalOverflow, phoneWidths, settled } from "./fixtures/layout";
import { expectAccessible } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { authPost, createJobViaApi, signUpViaApi, trpcMutation } from "./fixtures/user";

// Every user and admin page fits a phone (360 and 390 px) with no sideways
// scrolling, even with the longest things people type: unbroken prompts,
// names, emails and admin reasons. Wide tables scroll inside their own
// focusable region instead (axe runs on each page at phone width).

const admin = seededAdmin;
const unbroken = (word: string, times: number) => word.repeat(times);
const longName = `Maximiliana-${unbroken("Konstantinopoulou", 5)}`;
const longPrompt = `${unbroken("Supercalifragilistic", 15)} and then a lighthouse at dawn with ${unbroken("x", 120)}`;
const longReason = `Goodwill-for-ticket-${unbroken("0123456789", 12)}`;
const longNote = `Internal-${unbroken("escalation", 20)}`;

type Seeded = { userId: string; jobId: string; failedJobId: string; checkoutId: string; paidCheckoutId: string };

async function seed(page: Page): Promise<Seeded> {
  const local = `newcomer.${unbroken("verylong", 6)}`.slice(0, 60);
  await signUpViaApi(page.request, { email: `${local}-${Date.now()}@an-unusually-long-subdomain.example.test`, password: "correct-horse-battery", name: longName });
  const done = await createJobViaApi(page.request, longPrompt, 2, "canvas-v1");
  const failing = await createJobViaApi(page.request, `${longPrompt} #fail`, 1);
  const hanging = await createJobViaApi(page.request, `${longPrompt} #hang`, 1);
  const checkout = await trpcMutation<{ id: string }>(page.request, "checkout.open", { packId: "starter" });
  const paid = await trpcMutation<{ id: string }>(page.request, "checkout.open", { packId: "creator" });
  const card = { cardNumber: "4242424242424242", expiry: "12/34", cvc: "123" };
  const payment = await trpcMutation(page.request, "checkout.pay", { checkoutId: paid.data?.id, card, saveCard: true });
  expect(done.data && failing.data && hanging.data && checkout.data && payment.data).toBeTruthy();
  const me = await page.request.get("/api/trpc/account.me");
  const userId = ((await me.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;
  return { userId, jobId: done.data!.job.id, failedJobId: hanging.data!.job.id, checkoutId: checkout.data!.id, paidCheckoutId: paid.data!.id };
}

async function signInAs(page: Page, account: { email: string; password: string }) {
  const response = await authPost(page.request, "sign-in/email", account);
  expect(response.ok(), await response.text()).toBe(true);
}

async function expectFits(page: Page, path: string, ready: () => Promise<void>) {
  for (const width of phoneWidths) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(path);
    await ready();
    await settled(page);
    expect(await horizontalOverflow(page), `${path} at ${width}px`).toBeNull();
  }
  await expectAccessible(page, `${path} at ${phoneWidths.at(-1)}px`);
}

const heading = (page: Page, name?: string | RegExp) => async () => {
  await expect(page.getByRole("heading", { level: 1, ...(name ? { name } : {}) }).first()).toBeVisible();
};

test("no user or admin page scrolls sideways at 360 or 390 px, with long prompts, names and reasons", async ({ page, browser, clientProxy }) => {
  test.setTimeout(300_000);
  const seeded = await seed(page);

  // The admin grants with long texts and force-fails the hanging job.
  const adminContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const adminPage = await adminContext.newPage();
  await signInAs(adminPage, admin);
  const grant = await trpcMutation(adminPage.request, "admin.adjustCredits", {
    userId: seeded.userId, amount: 25, reason: longReason, note: longNote, idempotencyKey: crypto.randomUUID(),
  });
  expect(grant.appCode).toBeUndefined();
  const failed = await trpcMutation(adminPage.request, "admin.forceFail", { id: seeded.failedJobId, reason: longReason });
  expect(failed.appCode).toBeUndefined();

  // The user's pages.
  await expectFits(page, "/", async () => {
    await expect(page.getByRole("heading", { name: "Generate" })).toBeVisible();
    await expect(page.getByText(/Supercalifragilistic/).first()).toBeVisible();
  });
  await expectFits(page, "/jobs", async () => { await expect(page.getByTestId("job-row").first()).toBeVisible(); });
  await expectFits(page, "/jobs?status=FAILED", async () => { await expect(page.getByTestId("job-row").first()).toBeVisible(); });
  await expectFits(page, `/jobs/${seeded.jobId}`, async () => {
    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 20_000 });
  });
  await expectFits(page, `/jobs/${seeded.failedJobId}`, async () => {
    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "FAILED");
  });
  await expectFits(page, "/statement", async () => { await expect(page.getByTestId("ledger-balanced")).toBeVisible(); });
  await expectFits(page, "/buy", async () => { await expect(page.getByRole("button", { name: /^Buy Creator:/ })).toBeVisible(); });
  await expectFits(page, `/buy/checkout/${seeded.checkoutId}`, async () => { await expect(page.getByLabel("Card number")).toBeVisible(); });
  await expectFits(page, `/receipts/${seeded.paidCheckoutId}`, heading(page, "Receipt"));
  await expectFits(page, "/settings/billing", async () => { await expect(page.getByRole("list", { name: "Saved cards" })).toBeVisible(); });
  await expectFits(page, "/statement?kind=PURCHASE&from=2026-01-01", async () => { await expect(page.getByTestId("ledger-row").first()).toBeVisible(); });
  await expectFits(page, "/no-such-page", heading(page, "Page not found"));
  await expectFits(page, `/jobs/${crypto.randomUUID()}`, heading(page, "Job not found"));

  // The admin's pages.
  const a = adminPage;
  await expectFits(a, "/admin", async () => { await expect(a.getByTestId("kpi-jobs")).toHaveText(/\d/); });
  await expectFits(a, "/admin/users", async () => { await expect(a.getByRole("link", { name: /newcomer\./ }).first()).toBeVisible(); });
  await expectFits(a, `/admin/users/${seeded.userId}`, async () => { await expect(a.getByTestId("admin-user-balance")).toBeVisible(); });
  await expectFits(a, "/admin/jobs", async () => { await expect(a.getByRole("link", { name: /^Job / }).first()).toBeVisible(); });
  await expectFits(a, `/admin/jobs/${seeded.failedJobId}`, async () => { await expect(a.getByRole("list", { name: "Timeline" })).toBeVisible(); });
  await expectFits(a, `/admin/jobs/${seeded.jobId}`, async () => { await expect(a.getByRole("list", { name: "Timeline" })).toBeVisible(); });
  await expectFits(a, "/admin/integrity", async () => { await expect(a.getByText("Pass", { exact: true }).first()).toBeVisible({ timeout: 30_000 }); });
  await expectFits(a, `/admin/integrity?jobId=${seeded.failedJobId}`, async () => { await expect(a.getByText(/Healthy/)).toBeVisible({ timeout: 30_000 }); });
  await expectFits(a, "/admin/audit", async () => { await expect(a.getByTestId("audit-internal-note").first()).toBeVisible(); });
  await adminContext.close();

  // Signed out.
  await page.context().clearCookies();
  await expectFits(page, "/", heading(page));
  await expectFits(page, "/sign-in", heading(page, "Sign in"));
  await expectFits(page, "/sign-up", heading(page, "Create your account"));
});
