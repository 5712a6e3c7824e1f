import type { Page } from "@playwright/test";

import { seededAdmin } from "./fixtures/admin";
import { expect, test } from "./fixtures/test";
import { authPost, newUser, signIn, signUpViaApi, type TestUser } from "./fixtures/user";

// What a newcomer, a phone user and an attacker found in their first hour
// on the auth pages: open redirects, a throttle that trusted the client's
// X-Forwarded-For, sign-up telling who has an account, and an APP_URL that
// did not follow PORT.

const admin: TestUser = seededAdmin;

/** `next` values as they appear in the query string: browsers strip tab/LF/CR and read `\` as `/`. */
const hostileNext = [
  "%2F%09%2Fevil.example",
  "%2F%0A%2Fevil.example",
  "%2F%0D%2Fevil.example",
  "%0D%2F%2Fevil.example",
  "%2F%09%2F%09evil.example",
  "%2F%2Fevil.example",
  "//evil.example",
  "%2F%5Cevil.example",
  "/%5Cevil.example",
  "%5C%5Cevil.example",
  "%2F%5C%2Fevil.example",
  "%2F.%2F%2Fevil.example",
  "%2F..%2F%2Fevil.example",
  "https%3A%2F%2Fevil.example%2F",
  "%252F%252Fevil.example",
  "javascript%3Aalert(1)",
];

function watchForeignRequests(page: Page): string[] {
  const foreign: string[] = [];
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith("data:") && new URL(url).hostname === "evil.example") foreign.push(url);
  });
  return foreign;
}

test.describe("Sign-in return paths", () => {
  test("every hostile ?next= stays on this site after a real sign-in", async ({ page, baseURL }) => {
    test.setTimeout(120_000);
    const user = await signUpViaApi(page.request);
    await page.context().clearCookies();
    const foreign = watchForeignRequests(page);
    await page.route((url) => url.hostname === "evil.example", (route) => route.fulfill({ status: 200, body: "evil" }));
    for (const next of hostileNext) {
      await page.goto(`/sign-in?next=${next}`);
      await signIn(page, user);
      await page.waitForURL((url) => url.pathname !== "/sign-in");
      expect(new URL(page.url()).origin, `next=${next}`).toBe(new URL(baseURL!).origin);
      await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
      await page.context().clearCookies();
    }
    expect(foreign).toEqual([]);
  });

  test("buy and checkout keep only same-site return paths", async ({ page }) => {
    await signUpViaApi(page.request);
    for (const next of ["%2F%09%2Fevil.example", "%2F%5Cevil.example"]) {
      await page.goto(`/buy?next=${next}`);
      await page.getByRole("button", { name: /^Buy Starter:/ }).click();
      await page.waitForURL(/\/buy\/checkout\//);
      expect(new URL(page.url()).searchParams.get("next"), next).toBe("/");
    }
  });

  test("sign-in returns to the page, query included; the admin link lands on that admin page", async ({ page }) => {
    const user = await signUpViaApi(page.request);
    await page.context().clearCookies();
    await page.goto("/jobs?status=completed");
    await page.waitForURL((url) => url.pathname === "/sign-in");
    expect(new URL(page.url()).searchParams.get("next")).toBe("/jobs?status=completed");
    await signIn(page, user);
    await page.waitForURL((url) => url.pathname === "/jobs");
    expect(new URL(page.url()).search).toBe("?status=completed");

    await page.context().clearCookies();
    await page.goto("/admin/jobs?status=FAILED");
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await signIn(page, admin);
    await page.waitForURL((url) => url.pathname === "/admin/jobs");
    expect(new URL(page.url()).search).toBe("?status=FAILED");
    await expect(page.getByRole("heading", { name: "Jobs" })).toBeVisible();

    // The header's "Sign in" on any page comes back to that page.
    await page.context().clearCookies();
    await page.goto("/no-such-page?ref=header");
    await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await signIn(page, user);
    await page.waitForURL((url) => url.pathname === "/no-such-page" && url.search === "?ref=header");
  });
});

test.describe("Sign-in throttling", () => {
  test("30 wrong passwords, each with a new X-Forwarded-For, are limited by the real client address", async ({ page }) => {
    const user = await signUpViaApi(page.request);
    const statuses: number[] = [];
    let retryAfter = "";
    for (let attempt = 1; attempt <= 30; attempt++) {
      const response = await authPost(page.request, "sign-in/email", { email: user.email, password: `wrong-password-${attempt}` }, {
        "x-forwarded-for": `203.0.113.${attempt}`,
        "x-real-ip": `198.51.100.${attempt}`,
      });
      statuses.push(response.status());
      if (response.status() === 429) retryAfter = response.headers()["retry-after"] ?? "";
    }
    expect(statuses.filter((status) => status === 429).length, statuses.join(",")).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 401 && status !== 429), statuses.join(",")).toEqual([]);
    expect(Number(retryAfter)).toBeGreaterThan(0);

    // The form shows a live countdown and stays disabled until it ends.
    await page.context().clearCookies();
    await page.goto("/sign-in");
    await signIn(page, { ...user, password: "still-wrong" });
    const seconds = page.getByTestId("auth-retry-seconds");
    await expect(seconds).toBeVisible();
    const first = Number(await seconds.getAttribute("data-seconds"));
    expect(first).toBeGreaterThan(0);
    await expect(page.getByRole("button", { name: /^Try again in/ })).toBeDisabled();
    // A countdown ticks every second; 10 s is ten ticks, for a slow machine.
    await expect.poll(async () => Number(await seconds.getAttribute("data-seconds")), { timeout: 10_000 }).toBeLessThan(first);
  });

  test("successful sign-ins do not count against the limit", async ({ page }) => {
    const user = await signUpViaApi(page.request);
    for (let attempt = 1; attempt <= 25; attempt++) {
      const response = await authPost(page.request, "sign-in/email", { email: user.email, password: user.password });
      expect(response.status(), `sign-in ${attempt}`).toBe(200);
    }
    const wrong = await authPost(page.request, "sign-in/email", { email: user.email, password: "wrong-password" });
    expect(wrong.status()).toBe(401);
  });
});

test.describe("Sign-up", () => {
  test("answers a new and an already-registered email the same way", async ({ page, playwright, baseURL, clientProxy }) => {
    const existing = await signUpViaApi(page.request);
    const anonymous = await playwright.request.newContext({ baseURL, proxy: { server: clientProxy.url } });
    const answer = async (user: TestUser) => {
      const response = await authPost(anonymous, "sign-up/email", user);
      const body = (await response.json()) as { token?: unknown; user?: Record<string, unknown> };
      const { id: _id, email: _email, name: _name, createdAt: _createdAt, updatedAt: _updatedAt, ...values } = body.user ?? {};
      return {
        status: response.status(), token: body.token, keys: Object.keys(body.user ?? {}), values, cookie: response.headers()["set-cookie"] ?? "",
      };
    };
    const fresh = await answer(newUser());
    const taken = await answer({ ...existing, password: "another-password-123", name: "Someone else" });
    expect(fresh.status).toBe(200);
    expect(taken.status).toBe(fresh.status);
    expect(taken.token).toBeNull();
    expect(fresh.token).toBeNull();
    expect(taken.keys).toEqual(fresh.keys);
    // Every value that is not random either way (or the caller's own input) is the same: `role` once told them apart.
    expect(taken.values).toEqual(fresh.values);
    expect(fresh.cookie).not.toContain("session_token=");
    expect(taken.cookie).not.toContain("session_token=");
    await anonymous.dispose();
  });

  test("the page shows one outcome either way, saying what to do next", async ({ page }) => {
    const existing = await signUpViaApi(page.request);
    await page.context().clearCookies();
    for (const user of [{ ...newUser() }, { ...existing, password: "another-password-123" }]) {
      await page.goto("/sign-up");
      await page.getByLabel("Name").fill(user.name);
      await page.getByLabel("Email").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Create your account" }).click();
      await expect(page.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
      await expect(page.getByRole("status").filter({ hasText: "Now sign in" })).toContainText("If it already had an account");
      await expect(page.getByText(/already exists/)).toHaveCount(0);
    }
    // The new account signs in from there with the password it chose; the taken one does not.
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong email or password.")).toBeVisible();
  });
});

test("opened at another address than APP_URL, the auth page says which address works instead of failing with 'Invalid origin'", async ({ page, baseURL }) => {
  const other = baseURL!.replace("localhost", "127.0.0.1");
  await page.goto(`${other}/sign-up`);
  const notice = page.getByTestId("origin-notice");
  await expect(notice).toContainText(`You opened ${new URL(other).origin}`);
  await expect(notice).toContainText(new URL(baseURL!).origin);
  const user = newUser();
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create your account" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Use the address in the notice above." })).toBeVisible();
  await expect(page.getByText("Invalid origin")).toHaveCount(0);

  await page.goto(`${baseURL}/sign-up`);
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await expect(page.getByTestId("origin-notice")).toHaveCount(0);
});
