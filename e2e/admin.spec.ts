import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";

import type { APIRequestContext, Page } from "@playwright/test";

import { seededAdmin } from "./fixtures/admin";
import { addMemberDirectly, grantToWorkspace } from "./fixtures/database";
import { horizontalOverflow, settled } from "./fixtures/layout";
import { expectAccessible, screenshotBoth } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { appOrigin, createJobViaApi, signUpViaApi, trpcMutation } from "./fixtures/user";

// The admin's day, in the production build: sign in, read the KPIs and a
// chart, grant credits to a user, force-fail that user's stuck job, and see
// the job reported healthy by the integrity checks. Screenshots go to
// docs/screenshots/admin-*.png.

const admin = seededAdmin;
const metricsToken = "e2e-metrics-token-0123456789";

/** A fresh user (100 signup credits) with one job that never finishes on its own. */
async function userWithHangingJob(request: APIRequestContext) {
  const email = `admin-e2e-${randomUUID()}@example.test`;
  await signUpViaApi(request, { email, password: "correct-horse-battery", name: "Stuck Customer" });
  const created = await request.post("/api/trpc/jobs.create", {
    headers: { "content-type": "application/json", origin: appOrigin },
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

test("an admin sees the KPIs, grants credits, force-fails a stuck job and finds it healthy", async ({ page, browser, clientProxy }) => {
  test.setTimeout(120_000);
  const customerContext = await browser.newContext({ proxy: { server: clientProxy.url } });
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
  await page.getByLabel("Reason shown to the user").fill("Sorry for the stuck job");
  await page.getByLabel("Internal note (optional)").fill("Ticket 4411: customer called twice");
  await page.getByRole("button", { name: "Grant credits" }).click();
  await expect(page.getByText(/Granted 25 credits — balance now 115/)).toBeVisible();
  await expect(page.getByTestId("admin-user-balance")).toHaveText("115");
  await expect(page.getByRole("cell", { name: "credits.grant", exact: true })).toBeVisible();
  await expect(page.getByTestId("audit-internal-note")).toHaveText("Internal note: Ticket 4411: customer called twice");
  // A paid grant with an expiry, in the wallet; then voided: its credits leave, once.
  await page.getByLabel("Credits", { exact: true }).fill("30");
  await page.getByLabel("Category").selectOption("PAID");
  await page.getByLabel("Expires after (optional)").fill(new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10));
  await page.getByLabel("Reason shown to the user").fill("Invoice credit");
  await page.getByRole("button", { name: "Grant credits" }).click();
  await expect(page.getByText(/Granted 30 credits — balance now 145/)).toBeVisible();
  const wallet = page.getByRole("list", { name: "Grants, in the order credits are spent" });
  await expect(wallet.getByTestId("wallet-grant").filter({ hasText: "Invoice credit" })).toContainText("Paid");
  await wallet.getByRole("button", { name: "Void the paid grant: Invoice credit" }).click();
  const voidDialog = page.getByRole("alertdialog", { name: "Void this grant?" });
  await voidDialog.getByLabel("Reason shown to the user").fill("Invoice disputed");
  await voidDialog.getByRole("button", { name: "Void the grant" }).click();
  await expect(page.getByText("Grant voided; 30 credits expired.")).toBeVisible();
  await expect(page.getByTestId("admin-user-balance")).toHaveText("115");
  await expect(page.getByRole("cell", { name: "credits.void-grant", exact: true })).toBeVisible();
  await screenshotBoth(page, "admin-user");
  // The customer reads the reason on their statement, never the internal note.
  const customerPage = await customerContext.newPage();
  await customerPage.goto("/statement");
  await expect(customerPage.getByRole("table", { name: "Ledger entries" }).getByText("Sorry for the stuck job")).toBeVisible();
  await expect(customerPage.getByText(/Ticket 4411/)).toHaveCount(0);
  await customerPage.close();

  // Jobs: the hanging job, its timeline, force-fail with a reason.
  await page.getByRole("link", { name: "All jobs" }).click();
  await page.getByRole("link", { name: `Job ${customer.jobId}` }).click();
  await expect(page.getByRole("heading", { name: `Job ${customer.jobId.slice(0, 8)}` })).toBeVisible();
  await expect(page.getByRole("list", { name: "Timeline" }).getByText("claimed")).toBeVisible();
  await page.getByRole("button", { name: "Force-fail" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Force-fail this job?" });
  await dialog.getByLabel("Reason").fill("Provider hangs: failing it by hand");
  await expect(dialog).toContainText("undelivered outputs back (10 credits)");
  await dialog.getByRole("button", { name: "Fail and refund undelivered" }).click();
  await expect(page.getByText("Job failed; 10 credits refunded.")).toBeVisible();
  await expect(page.locator('[data-status="FAILED"]')).toBeVisible();
  await expect(page.getByRole("button", { name: "Force-fail" })).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Timeline" }).getByText("settled")).toBeVisible();
  await expect(page.getByRole("cell", { name: "REFUND", exact: true })).toBeVisible();
  await screenshotBoth(page, "admin-job");

  // Integrity: the job is healthy (one charge, one refund of what was not delivered, no lease).
  await page.getByRole("link", { name: "Check integrity" }).click();
  await expect(page.getByText(`Healthy: every check passed for job ${customer.jobId}`)).toBeVisible();
  await expect(page.getByText("Pass", { exact: true })).toHaveCount(20);
  await screenshotBoth(page, "admin-integrity-job");

  // The audit trail has both actions, newest first.
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Audit trail" }).click();
  const rows = page.getByRole("row").filter({ hasText: customer.email });
  await expect(rows.filter({ hasText: "job.force-fail" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "credits.grant" })).toHaveCount(2);
  await expect(rows.filter({ hasText: "credits.void-grant" })).toHaveCount(1);
  // Before and after read as lines of fields, in a column wide enough for them.
  const afterCell = rows.filter({ hasText: "credits.void-grant" }).getByRole("cell").last();
  expect((await afterCell.boundingBox())!.width).toBeGreaterThanOrEqual(150);
  await expect(afterCell.getByRole("listitem")).toHaveText(["voided: true", /^grantId: \d+$/, "remaining: 0"]); // jsonb's key order

  // A filtered trail is a link: ?action= selects the filter, and choosing one puts it in the URL.
  await page.goto("/admin/audit?action=credits.void-grant");
  await expect(page.getByRole("combobox", { name: "Action" })).toHaveValue("credits.void-grant");
  await expect(page.getByRole("row").filter({ hasText: customer.email })).toHaveCount(1);
  await expect(page.getByRole("row").filter({ hasText: customer.email })).toContainText("credits.void-grant");
  await page.getByRole("combobox", { name: "Action" }).selectOption("credits.grant");
  await expect(page).toHaveURL(/\/admin\/audit\?action=credits\.grant$/);
  await expect(page.getByRole("row").filter({ hasText: customer.email })).toHaveCount(2);
  await customerContext.close();
});

test("a user gets a real 403 on /admin and FORBIDDEN from admin procedures", async ({ page }) => {
  const email = `not-admin-${randomUUID()}@example.test`;
  await signUpViaApi(page.request, { email, password: "correct-horse-battery", name: "Curious User" });
  for (const path of ["/admin", "/admin/integrity", "/admin/workspaces"]) {
    const answer = await page.goto(path);
    expect(answer?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { level: 1, name: "403 — Admins only" })).toBeVisible();
  }
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

test("anonymous visitors of /admin are sent to sign in (not a 403)", async ({ page }) => {
  const answer = await page.goto("/admin/audit");
  expect(answer?.status()).toBe(200);
  await page.waitForURL((url) => url.pathname === "/sign-in" && url.searchParams.get("next") === "/admin/audit");
});

test("the jobs explorer shows placeholder rows while loading, never 'No jobs.'", async ({ page }) => {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route((url) => url.pathname.startsWith("/api/trpc/") && url.pathname.includes("admin.jobs"), async (route) => {
    await held;
    await route.continue();
  });
  await signInAsAdmin(page);
  await page.goto("/admin/jobs");
  const table = page.getByRole("table", { name: "Jobs" });
  await expect(table).toHaveAttribute("aria-busy", "true");
  await expect(page.getByTestId("table-skeleton-row")).toHaveCount(5);
  await expect(page.getByText("No jobs.")).toHaveCount(0);
  release();
  await expect(page.getByRole("link", { name: /^Job / }).first()).toBeVisible();
  await expect(page.getByTestId("table-skeleton-row")).toHaveCount(0);
});

test("a dropped grant response: a friendly notice, and Retry reuses the key (one grant); four same-tick clicks, one toast", async ({ page, browser, clientProxy }) => {
  const customerContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const customer = await userWithHangingJob(customerContext.request);
  await customerContext.close();
  await signInAsAdmin(page);
  await page.goto("/admin/users");
  await page.getByLabel("Search users").fill(customer.email);
  await page.getByRole("link", { name: customer.email }).click();
  await expect(page.getByTestId("admin-user-balance")).toHaveText("90");

  const keys: string[] = [];
  let attempts = 0;
  await page.route((url) => url.pathname.startsWith("/api/trpc/") && url.pathname.includes("admin.adjustCredits"), async (route) => {
    attempts += 1;
    const body = route.request().postDataJSON() as Record<string, { json: { idempotencyKey: string } }>;
    keys.push(Object.values(body)[0]!.json.idempotencyKey);
    if (attempts === 1) {
      await route.fetch(); // Applied on the server …
      await route.abort("connectionreset"); // … but the answer is lost.
    } else {
      await route.continue();
    }
  });
  await page.getByLabel("Credits", { exact: true }).fill("7");
  await page.getByLabel("Reason shown to the user").fill("Network blip goodwill");
  await page.getByRole("button", { name: "Grant credits" }).click();
  await expect(page.getByText("The connection dropped")).toBeVisible();
  await expect(page.getByText("Failed to fetch")).toHaveCount(0);
  await page.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByText("Granted 7 credits — balance now 97 (already applied)")).toBeVisible();
  expect(keys).toHaveLength(2);
  expect(keys[1]).toBe(keys[0]);
  await expect(page.getByTestId("admin-user-balance")).toHaveText("97");

  // Four clicks in one tick: one request, one toast.
  await page.getByLabel("Credits", { exact: true }).fill("3");
  await page.getByLabel("Reason shown to the user").fill("Four clicks at once");
  await page.getByRole("button", { name: "Grant credits" }).evaluate((button: HTMLButtonElement) => {
    for (let click = 0; click < 4; click++) button.click();
  });
  await expect(page.getByText(/^Granted 3 credits — balance now 100/)).toHaveCount(1);
  // Absence, proven by what comes after it: a duplicate of those clicks
  // would have been sent before the next grant, which is answered now.
  await page.getByLabel("Credits", { exact: true }).fill("2");
  await page.getByLabel("Reason shown to the user").fill("The grant after");
  await page.getByRole("button", { name: "Grant credits" }).click();
  await expect(page.getByText(/^Granted 2 credits — balance now 102/)).toHaveCount(1);
  await expect(page.getByText(/^Granted 3 credits/)).toHaveCount(1);
  expect(keys).toHaveLength(4);
  expect(new Set(keys.slice(2)).size).toBe(2);
  await expect(page.getByTestId("admin-user-balance")).toHaveText("102");
});

const shots = process.env.ADMIN_SHOTS_DIR ?? "test-results/admin";

/** A full-page capture at 1280 and 360 px (test-results, not docs), and the page fits 360 px without sideways scroll. */
async function shotBoth(page: Page, name: string) {
  mkdirSync(shots, { recursive: true });
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    await settled(page);
    if (width === 360) expect(await horizontalOverflow(page), `${name} at 360 px`).toBeNull();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true, animations: "disabled" });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * A team with an owner and a member whose role the owner changed (audited),
 * 200 credits, a monthly budget of 100 on the whole team, and a job of 4
 * credits spent against it. The member joins directly (the invitation's
 * story is e2e/teams.spec.ts's).
 */
async function teamWithHistory(owner: APIRequestContext, member: APIRequestContext, name: string) {
  const ownerUser = await signUpViaApi(owner, { email: `team-owner-${randomUUID()}@example.test`, password: "correct-horse-battery", name: "Olga Owner" });
  const memberUser = await signUpViaApi(member, { email: `team-member-${randomUUID()}@example.test`, password: "correct-horse-battery", name: "Mo Member" });
  const created = await trpcMutation<{ id: string }>(owner, "workspaces.createTeam", { name });
  const teamId = created.data!.id;
  expect((await trpcMutation(owner, "workspaces.switchTo", { workspaceId: teamId })).appCode).toBeUndefined();
  const memberId = await addMemberDirectly(teamId, memberUser.email, "ADMIN");
  expect((await trpcMutation(owner, "workspaces.changeRole", { userId: memberId, role: "MEMBER" })).appCode).toBeUndefined();
  await grantToWorkspace(teamId, 200, "Team credits");
  expect((await trpcMutation(owner, "budgets.set", { scope: "ACCOUNT", period: "MONTH", limitCredits: 100, timeZone: "UTC" })).appCode).toBeUndefined();
  expect((await createJobViaApi(owner, "a lighthouse for the team", 2)).data).toBeDefined(); // 2 × 2 credits
  return { teamId, owner: ownerUser, member: memberUser };
}

test("an admin finds a team by name and reads its members, roles, budget and the audit of a role change", async ({ page, browser, clientProxy }) => {
  test.setTimeout(120_000);
  const ownerContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const memberContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const name = `Lighthouse Studio ${randomUUID().slice(0, 6)}`;
  const team = await teamWithHistory(ownerContext.request, memberContext.request, name);
  await ownerContext.close();
  await memberContext.close();

  await signInAsAdmin(page);
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Accounts" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Accounts" })).toBeVisible();
  await expect(page).toHaveTitle("Accounts · Admin · Creditworks");
  await expect(page.getByRole("link", { name: "Accounts", exact: true })).toHaveAttribute("aria-current", "page");
  // The keyboard reaches the search box and the kind filter.
  const search = page.getByRole("searchbox", { name: "Search accounts" });
  await search.focus();
  await page.keyboard.type(name.toLowerCase());
  await page.keyboard.press("Tab");
  await expect(page.getByRole("combobox", { name: "Kind" })).toBeFocused();
  await page.getByRole("combobox", { name: "Kind" }).selectOption("TEAM");
  const accounts = page.getByRole("table", { name: "Accounts" });
  const row = accounts.getByRole("row").filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(team.owner.email);
  await expect(row).toContainText("196");
  await expectAccessible(page, "admin accounts");
  await shotBoth(page, "admin-workspaces");
  // A search that finds nothing says what the box takes.
  await search.fill(`no-such-team-${randomUUID()}`);
  await expect(accounts.getByText(/^No team matches .*part of a member's email\.$/)).toBeVisible();
  await search.fill(name);
  await accounts.getByRole("link", { name }).click();

  await page.waitForURL(`**/admin/workspaces/${team.teamId}`);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page).toHaveTitle("Account · Admin · Creditworks");
  await expect(page.getByTestId("admin-workspace-balance")).toHaveText("196");
  const members = page.getByRole("table", { name: "Members" });
  await expect(members.getByRole("row").filter({ hasText: team.owner.email })).toContainText("Owner");
  await expect(members.getByRole("row").filter({ hasText: team.member.email })).toContainText("Member");
  const bar = page.getByRole("progressbar", { name: "Spent of the whole account's budget" });
  await expect(bar).toHaveAttribute("aria-valuenow", "4");
  await expect(bar).toHaveAttribute("aria-valuemax", "100");
  const audit = page.getByRole("list", { name: "Changes of members, roles and settings" });
  await expect(audit.getByRole("listitem").first()).toContainText(`${team.owner.email} changed ${team.member.email}'s role from admin to member`);
  await expect(audit.getByRole("listitem").last()).toContainText(`created the team “${name}”`);
  await expect(page.getByRole("table", { name: "Jobs" }).getByRole("link", { name: team.owner.email })).toBeVisible();
  await expectAccessible(page, "admin account");
  await shotBoth(page, "admin-workspace");

  // The member's user page lists the team with their role, and links back.
  await members.getByRole("link", { name: team.member.email }).click();
  await expect(page.getByRole("heading", { name: team.member.email })).toBeVisible();
  const theirAccounts = page.getByRole("table", { name: "Accounts" });
  await expect(theirAccounts.getByRole("row").filter({ hasText: name })).toContainText("Member");
  await expect(theirAccounts.getByRole("row").filter({ hasText: "Personal account" })).toContainText("Owner");
  await expectAccessible(page, "admin user with accounts");
  await shotBoth(page, "admin-user-accounts");
  await theirAccounts.getByRole("link", { name: "Personal account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Personal account of ${team.member.email}` })).toBeVisible();
  await expect(page.getByRole("table", { name: "Members" }).getByRole("row").filter({ hasText: team.member.email })).toContainText("Owner");
  await expect(page.getByRole("list", { name: "Changes of members, roles and settings" })).toHaveCount(0);
  await expect(page.getByText("No change of members, roles or settings yet.")).toBeVisible();
  // An unknown account is a real 404.
  expect((await page.request.get(`/admin/workspaces/no-such-${randomUUID()}`)).status()).toBe(404);
});
