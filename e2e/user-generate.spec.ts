import type { Page } from "@playwright/test";
import type { Request } from "@playwright/test";

import { seededAdmin } from "./fixtures/admin";
import { expect, test } from "./fixtures/test";
import { fillGenerateForm, generateButton, jobsOf, ledgerOf, signIn, signUp } from "./fixtures/user";

/** The idempotency keys sent by jobs.create requests (httpBatchLink body: {"0": {json: input}}). */
function keysOf(requests: Request[]): string[] {
  return requests.map((request) => {
    const body = request.postDataJSON() as Record<string, { json: { idempotencyKey: string } }>;
    return Object.values(body)[0]!.json.idempotencyKey;
  });
}

function recordCreates(page: Page): Request[] {
  const seen: Request[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/trpc/jobs.create")) seen.push(request);
  });
  return seen;
}

async function expectOneJobOneCharge(page: Page) {
  const jobs = await jobsOf(page.request);
  expect(jobs).toHaveLength(1);
  const charges = (await ledgerOf(page.request)).filter((entry) => entry.kind === "CHARGE");
  expect(charges).toHaveLength(1);
  expect(charges[0]!.jobId).toBe(jobs[0]!.id);
  expect(charges[0]!.amount).toBe(-jobs[0]!.totalCost);
}

test.describe("Generate", () => {
  test("double-click on Generate creates one job and one charge", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Storyteller/, prompt: "Double click story", outputs: 2 });
    await expect(page.getByTestId("total-cost")).toHaveText("4 credits");
    await generateButton(page).dblclick();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await expectOneJobOneCharge(page);
  });

  test("three clicks in one tick and rapid Enter still make one job", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { prompt: "Burst of clicks" });
    const creates = recordCreates(page);
    // All three clicks land before React re-renders the disabled button:
    // only the in-flight guard stops the second and third.
    await generateButton(page).evaluate((button: HTMLButtonElement) => {
      button.click();
      button.click();
      button.click();
    });
    await page.waitForURL(/\/jobs\//);
    expect(creates).toHaveLength(1);
    await expectOneJobOneCharge(page);

    // Rapid Ctrl+Enter in the prompt (submits without the button) on a new intent.
    await page.goto("/");
    await fillGenerateForm(page, { prompt: "Rapid enter" });
    await page.getByLabel("Prompt").focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press("Control+Enter");
    await page.waitForURL(/\/jobs\//);
    expect(creates).toHaveLength(2);
    expect(await jobsOf(page.request)).toHaveLength(2);
    expect((await ledgerOf(page.request)).filter((e) => e.kind === "CHARGE")).toHaveLength(2);

    // Rapid Enter on the focused Generate button.
    await page.goto("/");
    await fillGenerateForm(page, { prompt: "Enter on the button" });
    await generateButton(page).press("Enter"); // Focuses the button, then presses.
    for (let i = 0; i < 4; i++) await page.keyboard.press("Enter");
    await page.waitForURL(/\/jobs\//);
    expect(creates).toHaveLength(3);
    expect(await jobsOf(page.request)).toHaveLength(3);
    expect((await ledgerOf(page.request)).filter((e) => e.kind === "CHARGE")).toHaveLength(3);
  });

  test("a response lost to the network, then a retry, replays the same job with one charge", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Pose pack/, prompt: "Network blip poses", outputs: 2 });
    let attempts = 0;
    await page.route("**/api/trpc/jobs.create**", async (route) => {
      attempts += 1;
      if (attempts === 1) {
        await route.fetch(); // The server commits the job and the charge …
        await route.abort("connectionreset"); // … but the browser never hears back.
      } else {
        await route.continue();
      }
    });
    const creates = recordCreates(page);
    await generateButton(page).click();
    await expect(page.getByText("The connection dropped")).toBeVisible();
    expect(await jobsOf(page.request)).toHaveLength(1);

    await page.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL(/\/jobs\//);
    await expect(page.getByText("Already submitted — opening that job")).toBeVisible();
    expect(attempts).toBe(2);
    const keys = keysOf(creates);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await expectOneJobOneCharge(page);
    expect(page.url()).toContain((await jobsOf(page.request))[0]!.id);
  });

  test("a reload while the answer is slow, then submitting again: one job, one charge, the replayed job opens", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { model: /^Storyteller/, prompt: "Slow connection story", outputs: 2 });
    const responseDelayMs = 8_000;
    let attempts = 0;
    await page.route("**/api/trpc/jobs.create**", async (route) => {
      attempts += 1;
      if (attempts > 1) return route.continue();
      const response = await route.fetch(); // The server commits the job and the charge …
      await new Promise((resolve) => setTimeout(resolve, responseDelayMs)); // … the answer crawls back …
      await route.fulfill({ response }).catch(() => {}); // … to a page that was reloaded meanwhile.
    });
    const creates = recordCreates(page);
    await generateButton(page).click();
    await expect.poll(async () => (await jobsOf(page.request)).length).toBe(1);
    await page.reload();
    await expect(page.getByLabel("Prompt")).toHaveValue("Slow connection story"); // The draft is back …
    await expect(page.getByText("Your job was created")).toBeVisible(); // … with its job, which Generate only opens again.
    await page.getByRole("button", { name: "Open the job" }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await expect(page.getByText("Already submitted — opening that job")).toBeVisible();
    const keys = keysOf(creates);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await expectOneJobOneCharge(page);
    expect(page.url()).toContain((await jobsOf(page.request))[0]!.id);
  });

  test("VALIDATION_ERROR shows the server's field message", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    // Spaces pass the browser's `required` but the server trims them away.
    await page.getByLabel("Prompt").fill("    ");
    await generateButton(page).click();
    await expect(page.getByText("Write a prompt.")).toBeVisible();
    await expect(page.getByLabel("Prompt")).toHaveAttribute("aria-invalid", "true");
    expect(await jobsOf(page.request)).toHaveLength(0);
  });

  test("UNAUTHORIZED goes to sign-in and back to the form with the prompt kept", async ({ page, context }) => {
    const user = await signUp(page);
    await page.goto("/");
    await fillGenerateForm(page, { prompt: "Kept across sign-in" });
    await context.clearCookies(); // The session ends (expired, signed out elsewhere).
    await generateButton(page).click();
    await page.waitForURL(/\/sign-in\?next=%2F$/);
    await signIn(page, user);
    await page.waitForURL((url) => url.pathname === "/");
    await expect(page.getByLabel("Prompt")).toHaveValue("Kept across sign-in");
    await generateButton(page).click();
    await page.waitForURL(/\/jobs\//);
    await expectOneJobOneCharge(page);
  });

  test("a signed-out visit to a page goes to sign-in and back to that page", async ({ page }) => {
    const user = await signUp(page);
    await page.goto("/sign-out");
    await expect(page.getByRole("status")).toHaveText("You are signed out");
    await page.goto("/statement");
    await page.waitForURL(/\/sign-in\?next=%2Fstatement$/);
    await signIn(page, user);
    await page.waitForURL(/\/statement$/);
    await expect(page.getByRole("heading", { name: "Credit statement" })).toBeVisible();
  });
});

test.describe("Sign up and sign in", () => {
  test("clear validation messages", async ({ page }) => {
    await page.goto("/sign-up");
    await page.getByRole("button", { name: "Create your account" }).click();
    await expect(page.getByText("Enter your name.")).toBeVisible();
    await expect(page.getByText("Enter a valid email address.")).toBeVisible();
    await expect(page.getByText("Enter your password.")).toBeVisible();
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create your account" }).click();
    await expect(page.getByText("Use at least 8 characters.")).toBeVisible();

    const user = await signUp(page);
    await page.goto("/sign-out");
    await expect(page.getByRole("status")).toHaveText("You are signed out");
    await page.goto("/sign-up");
    await page.getByLabel("Name").fill("Again");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create your account" }).click();
    // Sign-up does not say the email is taken: the same "now sign in" step as for a new one.
    await expect(page.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();

    await page.goto("/sign-in");
    await signIn(page, { ...user, password: "wrong-password" });
    await expect(page.getByText("Wrong email or password.")).toBeVisible();
  });

  test("the header's Admin link is shown to admins only", async ({ page }) => {
    await signUp(page);
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Statement" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
    await page.goto("/sign-out");
    await expect(page.getByRole("status")).toHaveText("You are signed out");
    await page.goto("/sign-in");
    await signIn(page, seededAdmin);
    await expect(nav.getByRole("link", { name: "Admin" })).toHaveAttribute("href", "/admin");
  });
});
