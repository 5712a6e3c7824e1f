import { buyPack, expectPaid } from "./fixtures/checkout";
import { expectAccessible, expectDistinctLandmarks, screenshotBoth, viewports } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { fillGenerateForm, generateButton, signUp } from "./fixtures/user";

test.use({ viewport: viewports.desktop });

/**
 * Every user page passes axe (no serious or critical violation) in light and
 * dark, and is captured at desktop and phone width for the user guide (with UPDATE_SCREENSHOTS=1).
 */
test("every page is accessible and captured at desktop and phone width", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: /every credit is accounted for/ })).toBeVisible();
  await expectAccessible(page, "landing");
  await screenshotBoth(page, "landing");

  await page.goto("/sign-up");
  await page.getByRole("button", { name: "Create your account" }).click();
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  await expectAccessible(page, "sign-up");
  await screenshotBoth(page, "sign-up");

  await page.goto("/sign-in");
  await expectAccessible(page, "sign-in");

  await signUp(page);
  await page.goto("/jobs");
  await expect(page.getByRole("heading", { name: "No jobs yet" })).toBeVisible();
  await expectAccessible(page, "jobs (empty)");
  await screenshotBoth(page, "jobs-empty");

  await page.goto("/buy");
  await expect(page.getByRole("button", { name: /^Buy Creator:/ })).toBeVisible();
  await expectAccessible(page, "buy");
  await screenshotBoth(page, "buy");
  await page.getByRole("button", { name: /^Buy Creator:/ }).click();
  await page.waitForURL(/\/buy\/checkout\//);
  await expect(page.getByLabel("Card number")).toBeVisible();
  await expectAccessible(page, "checkout");
  await screenshotBoth(page, "checkout");
  await page.goto("/buy");
  await buyPack(page, "Creator");
  await expectPaid(page);

  await page.goto("/");
  await fillGenerateForm(page, { model: /^Canvas/, prompt: "A quiet harbour at dawn, boats asleep", outputs: 4 });
  await expectAccessible(page, "generate");
  await screenshotBoth(page, "generate");
  await generateButton(page).click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 20_000 });
  await expectAccessible(page, "job (completed)");
  await screenshotBoth(page, "job");

  await page.goto("/");
  await fillGenerateForm(page, { model: /^Storyteller/, prompt: "A lighthouse keeper's letter #fail-output-2", outputs: 3 });
  await generateButton(page).click();
  await page.waitForURL(/\/jobs\//);
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 20_000 });
  await screenshotBoth(page, "job-partial");

  await page.goto("/jobs");
  await expect(page.getByTestId("job-row")).toHaveCount(2);
  await expectAccessible(page, "jobs");
  await screenshotBoth(page, "jobs");

  await page.goto("/statement");
  await expect(page.getByTestId("ledger-balanced")).toBeVisible();
  await expectAccessible(page, "statement");
  await expectDistinctLandmarks(page, "statement");
  await screenshotBoth(page, "statement");

  // Dark mode: the same checks with the other palette.
  await page.getByRole("button", { name: "Toggle dark mode" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await expectAccessible(page, "statement (dark)");
  await screenshotBoth(page, "statement-dark");
  await page.goto("/");
  await expectAccessible(page, "generate (dark)");
  await screenshotBoth(page, "generate-dark");
});

test("the header is drawn complete at once: nothing moves when the session and balance arrive", async ({ page }) => {
  await signUp(page);
  let held = Promise.resolve();
  const isHeaderQuery = (url: URL) => url.pathname.startsWith("/api/trpc/") && /account\.me|credits\.summary/.test(url.pathname);
  await page.route(isHeaderQuery, async (route) => {
    await held;
    await route.continue();
  });
  const badge = page.getByRole("link", { name: "Balance — open the statement" });
  for (const viewport of Object.values(viewports)) {
    let release: () => void = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    await page.setViewportSize(viewport);
    await page.goto("/statement", { waitUntil: "load" });
    const header = page.getByRole("banner");
    const before = await header.boundingBox();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page.getByTestId("balance-available")).toHaveText("—");
    const badgeBefore = await badge.boundingBox();
    release();
    await expect(page.getByTestId("balance-available")).toHaveText(/\d/);
    expect(await header.boundingBox(), `header at ${viewport.width}px`).toEqual(before);
    expect(await badge.boundingBox(), `balance at ${viewport.width}px`).toEqual(badgeBefore);
  }
});

test("every page has a favicon and loads without a 404; the 404 page has its h1 and status", async ({ page }) => {
  const missing: string[] = [];
  page.on("response", (response) => {
    if (response.status() === 404 && !response.url().includes("/no-such-page")) missing.push(response.url());
  });
  await page.goto("/");
  await page.waitForLoadState("networkidle");
  const href = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(href).toBeTruthy();
  const icon = await page.request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
  const notFound = await page.goto("/no-such-page");
  expect(notFound?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  expect(missing).toEqual([]);
});
