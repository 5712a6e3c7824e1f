import type { APIRequestContext, Page } from "@playwright/test";

import { expect, test } from "./fixtures/test";
import { authPost, createJobViaApi, signUpViaApi, trpcMutation } from "./fixtures/user";
import { seededAdmin as admin } from "./fixtures/admin";

// A page that does not exist says so with HTTP 404 (not a 200 that only
// looks like an error: crawlers, monitors and link checkers read the
// status), and every page has a title of its own, so tabs, history and
// bookmarks tell them apart.

async function statusOf(request: APIRequestContext, path: string): Promise<number> {
  return (await request.get(path, { maxRedirects: 0 })).status();
}

/** A user with a job, an open checkout and a paid one; returns their ids and the user's. */
async function seed(request: APIRequestContext) {
  await signUpViaApi(request);
  const job = await createJobViaApi(request, "A title for every page", 1);
  const open = await trpcMutation<{ id: string }>(request, "checkout.open", { packId: "starter" });
  const paid = await trpcMutation<{ id: string }>(request, "checkout.open", { packId: "starter" });
  const card = { cardNumber: "4242424242424242", expiry: "12/34", cvc: "123" };
  const payment = await trpcMutation(request, "checkout.pay", { checkoutId: paid.data?.id, card });
  expect(job.data && open.data && paid.data && payment.data).toBeTruthy();
  const me = await request.get("/api/trpc/account.me");
  const userId = ((await me.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;
  return { userId, jobId: job.data!.job.id, checkoutId: open.data!.id, receiptId: paid.data!.id };
}

test("unknown jobs, receipts, checkouts and admin pages answer a real 404; someone else's too", async ({ page, browser, clientProxy }) => {
  const owner = await seed(page.request);
  const strangerContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const stranger = strangerContext.request;
  await signUpViaApi(stranger);
  const unknown = crypto.randomUUID();
  for (const path of [
    `/jobs/${unknown}`, "/jobs/not-a-uuid", `/jobs/${owner.jobId}`,
    `/receipts/${unknown}`, "/receipts/not-a-uuid", `/receipts/${owner.receiptId}`,
    `/buy/checkout/${unknown}`, "/buy/checkout/not-a-uuid", `/buy/checkout/${owner.checkoutId}`,
    "/no-such-page",
  ]) {
    expect(await statusOf(stranger, path), `${path} for another account`).toBe(404);
  }
  // The owner reaches each of them.
  for (const path of [`/jobs/${owner.jobId}`, `/receipts/${owner.receiptId}`, `/buy/checkout/${owner.checkoutId}`]) {
    expect(await statusOf(page.request, path), `${path} for its owner`).toBe(200);
  }
  await strangerContext.close();

  const adminContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const adminRequest = adminContext.request;
  expect((await authPost(adminRequest, "sign-in/email", admin)).ok()).toBe(true);
  for (const path of [`/admin/jobs/${unknown}`, "/admin/jobs/not-a-uuid", `/admin/users/${unknown}`, "/admin/users/nobody"]) {
    expect(await statusOf(adminRequest, path), path).toBe(404);
  }
  for (const path of [`/admin/jobs/${owner.jobId}`, `/admin/users/${owner.userId}`]) {
    expect(await statusOf(adminRequest, path), path).toBe(200);
  }
  await adminContext.close();
});

test("the not-found pages say what was not found", async ({ page }) => {
  await signUpViaApi(page.request);
  await page.goto(`/jobs/${crypto.randomUUID()}`);
  await expect(page.getByRole("heading", { level: 1, name: "Job not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to jobs" })).toBeVisible();
  await page.goto("/jobs/not-a-uuid");
  await expect(page.getByRole("heading", { level: 1, name: "Job not found" })).toBeVisible();
  await page.goto(`/buy/checkout/${crypto.randomUUID()}`);
  await expect(page.getByRole("heading", { level: 1, name: "Checkout not found" })).toBeVisible();
});

/** Visits each path and checks its title once its first heading is shown (every mismatch reported). */
async function expectTitles(page: Page, titles: Record<string, string>) {
  for (const [path, title] of Object.entries(titles)) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    await expect.soft(page, `the title of ${path}`).toHaveTitle(title);
  }
}

test("every page has a title of its own", async ({ page, browser, clientProxy }) => {
  test.setTimeout(120_000);
  await expectTitles(page, {
    "/": "Creditworks — an AI studio where every credit is accounted for",
    "/sign-in": "Sign in · Creditworks",
    "/sign-up": "Sign up · Creditworks",
    "/forgot-password": "Reset your password · Creditworks",
    "/reset-password": "Choose a new password · Creditworks",
    "/docs/api": "API reference · Creditworks",
    "/no-such-page": "Page not found · Creditworks",
  });

  const owner = await seed(page.request);
  await expectTitles(page, {
    "/": "Generate · Creditworks",
    "/jobs": "Jobs · Creditworks",
    [`/jobs/${owner.jobId}`]: "Job · Creditworks",
    [`/jobs/${crypto.randomUUID()}`]: "Job not found · Creditworks",
    "/statement": "Statement · Creditworks",
    "/buy": "Buy credits · Creditworks",
    [`/buy/checkout/${owner.checkoutId}`]: "Checkout · Creditworks",
    [`/buy/checkout/${crypto.randomUUID()}`]: "Checkout not found · Creditworks",
    [`/receipts/${owner.receiptId}`]: "Receipt · Creditworks",
    "/settings/account": "Account settings · Creditworks",
    "/settings/billing": "Billing · Creditworks",
    "/settings/api-keys": "API keys · Creditworks",
    "/settings/webhooks": "Webhooks · Creditworks",
    "/admin": "Admins only · Creditworks",
  });

  const adminContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const adminPage = await adminContext.newPage();
  expect((await authPost(adminPage.request, "sign-in/email", admin)).ok()).toBe(true);
  await expectTitles(adminPage, {
    "/admin": "Overview · Admin · Creditworks",
    "/admin/users": "Users · Admin · Creditworks",
    [`/admin/users/${owner.userId}`]: "User · Admin · Creditworks",
    "/admin/jobs": "Jobs · Admin · Creditworks",
    [`/admin/jobs/${owner.jobId}`]: "Job · Admin · Creditworks",
    "/admin/integrity": "Integrity · Admin · Creditworks",
    "/admin/audit": "Audit trail · Admin · Creditworks",
  });
  await adminContext.close();
});
