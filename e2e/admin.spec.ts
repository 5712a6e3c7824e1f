import { randomUUID } from "node:crypto";

import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { expectAccessible, screenshotBoth } from "./fixtures/pages";

// The admin's day, in the production build: sign in, read the KPIs and a
// chart, grant credits to a user, force-fail that user's stuck job, and see
// the job reported healthy by the integrity checks. Screenshots go to
// docs/screenshots/admin-*.png.

const admin = { email: "admin@creditworks.dev", password: "admin-password" };
const metricsToken = "e2e-metrics-token-0123456789";

/** A fresh user (100 signup credits) with one job that never finishes on its own. */
async function userWithHangingJob(request: APIRequestContext) {
  const email = `admin-e2e-${randomUUID()}@example.test`;
  const signUp = await request.post("/api/auth/sign-up/email", {
    data: { email, password: "correct-horse-battery", name: "Stuck Customer" },
  });
  expect(signUp.ok(), await signUp.text()).toBe(true);
  const created = await request.post("/api/trpc/jobs.create", {
    headers: { "content-type": "application/json" },
    data: JSON.stringify({ json: { idempotencyKey: randomUUID(), modelId: "canvas-v1", prompt: "a lighthouse #hang", outputs: 2 } }),
  });
  expect(created.ok(), await created.text()).toBe(true);
  const body = (await created.json()) as { result: { data: { json: { job: { id: string } } } } };
  return { email, jobId: body.result.data.json.job.id };
}

async function signInAsAdmin(page: Page) {
  await page.goto("/admin");
  await page.waitForURL((url) => url.pathname === "/sign-in");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/admin");
}

test("an admin sees the KPIs, grants credits, force-fails a stuck job and finds it healthy", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const customerContext = await browser.newContext();
  const customer = await userWithHangingJob(customerContext.request);

  await signInAsAdmin(page);
  await expect(page.getByRole("heading", { name: "Admin overview" })).toBeVisible();
  await expect(page.getByTestId("kpi-jobs")).toHaveText(/^\d[\d,]*$/);
  await expect(page.getByTestId("kpi-active-jobs")).not.toHaveText("0");
  await page.getByRole("button", { name: "7 days" }).click();
  await expect(page.getByRole("button", { name: "7 days" })).toHaveAttribute("aria-pressed", "true");
  const jobsChart = page.getByRole("figure", { name: "Jobs over time" });
  await expect(jobsChart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByRole("figure", { name: "Credits over time" }).locator(".recharts-line").first()).toBeVisible();
  await expectAccessible(page, "admin overview");
  await screenshotBoth(page, "admin-overview");

  // Users: find the customer, grant 25 credits with a reason.
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users" }).click();
  await page.getByLabel("Search users").fill(customer.email);
  await page.getByRole("link", { name: customer.email }).click();
  await expect(page.getByRole("heading", { name: customer.email })).toBeVisible();
  await expect(page.getByTestId("admin-user-balance")).toHaveText("90");
  await page.getByLabel("Credits", { exact: true }).fill("25");
  await page.getByLabel("Reason", { exact: true }).fill("Sorry for the stuck job");
  await page.getByRole("button", { name: "Grant credits" }).click();
  await expect(page.getByText(/Granted 25 credits — balance now 115/)).toBeVisible();
  await expect(page.getByTestId("admin-user-balance")).toHaveText("115");
  await expect(page.getByRole("cell", { name: "credits.grant", exact: true })).toBeVisible();
  await screenshotBoth(page, "admin-user");

  // Jobs: the hanging job, its timeline, force-fail with a reason.
  await page.getByRole("link", { name: "All jobs" }).click();
  await page.getByRole("link", { name: `Job ${customer.jobId}` }).click();
  await expect(page.getByRole("heading", { name: `Job ${customer.jobId.slice(0, 8)}` })).toBeVisible();
  await expect(page.getByRole("list", { name: "Timeline" }).getByText("claimed")).toBeVisible();
  await page.getByRole("button", { name: "Force-fail" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Force-fail this job?" });
  await dialog.getByLabel("Reason").fill("Provider hangs: failing it by hand");
  await dialog.getByRole("button", { name: "Fail and refund" }).click();
  await expect(page.getByText("Job failed; 10 credits refunded.")).toBeVisible();
  await expect(page.locator('[data-status="FAILED"]')).toBeVisible();
  await expect(page.getByRole("button", { name: "Force-fail" })).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Timeline" }).getByText("settled")).toBeVisible();
  await expect(page.getByRole("cell", { name: "REFUND", exact: true })).toBeVisible();
  await screenshotBoth(page, "admin-job");

  // Integrity: the job is healthy (one charge, one refund of its whole cost, no lease).
  await page.getByRole("link", { name: "Check integrity" }).click();
  await expect(page.getByText(`Healthy: every check passed for job ${customer.jobId}`)).toBeVisible();
  await expect(page.getByText("Pass", { exact: true })).toHaveCount(8);
  await screenshotBoth(page, "admin-integrity-job");

  // The audit trail has both actions, newest first.
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Audit trail" }).click();
  const rows = page.getByRole("row").filter({ hasText: customer.email });
  await expect(rows.filter({ hasText: "job.force-fail" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "credits.grant" })).toHaveCount(1);
  await customerContext.close();
});

test("a user gets a 403 on /admin and FORBIDDEN from admin procedures", async ({ page }) => {
  const email = `not-admin-${randomUUID()}@example.test`;
  const signUp = await page.request.post("/api/auth/sign-up/email", {
    data: { email, password: "correct-horse-battery", name: "Curious User" },
  });
  expect(signUp.ok()).toBe(true);
  await page.goto("/admin/integrity");
  await expect(page.getByRole("heading", { name: "403 — Admins only" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin" })).toHaveCount(0);
  const response = await page.request.get(`/api/trpc/admin.stats?input=${encodeURIComponent(JSON.stringify({ json: { hours: 24 } }))}`);
  expect(response.status()).toBe(403);
  expect(((await response.json()) as { error: { json: { data: { appCode: string } } } }).error.json.data.appCode).toBe("FORBIDDEN");
});

test("GET /api/metrics needs the token and speaks Prometheus", async ({ request }) => {
  expect((await request.get("/api/metrics")).status()).toBe(401);
  const response = await request.get("/api/metrics", { headers: { authorization: `Bearer ${metricsToken}` } });
  expect(response.status()).toBe(200);
  const body = await response.text();
  expect(body).toContain("# TYPE creditworks_jobs gauge");
  expect(body).toMatch(/^creditworks_queue_depth \d+$/m);
});
