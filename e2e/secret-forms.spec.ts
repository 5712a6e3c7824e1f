import type { BrowserContext, Page } from "@playwright/test";

import { linkFromMail } from "./fixtures/mail";
import { expect, test } from "./fixtures/test";
import { authPost, newUser, signUpViaApi } from "./fixtures/user";

// A form that carries a password never puts it in a URL (history, server
// logs, Referer headers): it posts, with JavaScript and without, and its
// submit button does nothing until the page is hydrated (a click before
// that would otherwise go the browser's own way).

/** Every URL the context asks for, and the form posts among them. */
function recordRequests(context: BrowserContext) {
  const urls: string[] = [];
  const posts: string[] = [];
  context.on("request", (request) => {
    urls.push(request.url());
    if (request.method() === "POST") posts.push(new URL(request.url()).pathname);
  });
  return { urls, posts };
}

function urlsHolding(urls: string[], secrets: string[]): string[] {
  const decoded = (url: string) => {
    try {
      return decodeURIComponent(url.replaceAll("+", " "));
    } catch {
      return url;
    }
  };
  return urls.filter((url) => secrets.some((secret) => url.includes(secret) || decoded(url).includes(secret)));
}

test("with JavaScript off, sign-up, sign-in, a password change and a reset all post, and no password reaches a URL", async ({ browser, clientProxy }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ javaScriptEnabled: false, proxy: { server: clientProxy.url } });
  const { urls } = recordRequests(context);
  const page = await context.newPage();
  const user = newUser();
  const passwords = { first: user.password, wrong: "not-my-password-at-all", second: "second-password-42", third: "third-password-43" };

  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(passwords.first);
  await page.getByRole("button", { name: "Create your account" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
  await expect(page.getByText("Now sign in")).toBeVisible();

  await signInWithoutScript(page, user.email, passwords.wrong);
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await signInWithoutScript(page, user.email, passwords.first);
  await expect(page.getByRole("heading", { level: 1, name: "Generate" })).toBeVisible();

  await page.goto("/settings/account");
  await page.getByLabel("Current password").fill(passwords.first);
  await page.getByLabel("New password", { exact: true }).fill(passwords.second);
  await page.getByLabel("Confirm new password").fill(passwords.third);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("The passwords do not match.")).toBeVisible();
  await page.getByLabel("Current password").fill(passwords.first);
  await page.getByLabel("New password", { exact: true }).fill(passwords.second);
  await page.getByLabel("Confirm new password").fill(passwords.second);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed", { exact: true })).toBeVisible();

  const asked = await authPost(context.request, "request-password-reset", { email: user.email, redirectTo: "/reset-password" });
  expect(asked.ok(), await asked.text()).toBe(true);
  await page.goto(await linkFromMail(user.email, "Reset your password"));
  await page.getByLabel("New password", { exact: true }).fill(passwords.third);
  await page.getByLabel("Confirm new password").fill(passwords.third);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByText("Password changed. Sign in with your new password.")).toBeVisible();
  await signInWithoutScript(page, user.email, passwords.third);
  await expect(page.getByRole("heading", { level: 1, name: "Generate" })).toBeVisible();

  expect(urlsHolding(urls, Object.values(passwords)), "URLs that carry a password").toEqual([]);
  await context.close();
});

async function signInWithoutScript(page: Page, email: string, password: string) {
  if (new URL(page.url()).pathname !== "/sign-in") await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("right after DOMContentLoaded, before hydration, Sign in does nothing; once hydrated it signs in", async ({ page, context }) => {
  const user = await signUpViaApi(context.request);
  await context.clearCookies();
  const { urls, posts } = recordRequests(context);
  let hydrate: () => void = () => {};
  const scriptsHeld = new Promise<void>((resolve) => (hydrate = resolve));
  const isScript = (url: URL) => url.pathname.startsWith("/_next/static/") && url.pathname.endsWith(".js");
  await page.route(isScript, async (route) => {
    await scriptsHeld;
    await route.continue();
  });
  await page.goto("/sign-in", { waitUntil: "domcontentloaded" });
  const form = page.getByRole("form", { name: "Sign in" });
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // What follows the click: the scripts arrive and the page hydrates. The
  // click before that sent nothing and left the page where it was.
  hydrate();
  await page.waitForLoadState("load");
  expect(urlsHolding(urls, [user.password]), "URLs that carry a password").toEqual([]);
  expect(posts, "posted before hydration").toEqual([]);
  expect(new URL(page.url()).pathname).toBe("/sign-in");
  expect(new URL(page.url()).search).toBe("");
  await expect(form).toHaveAttribute("data-hydrated", "true");

  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("balance-available")).toHaveText(/\d/);
  expect(urlsHolding(urls, [user.password]), "URLs that carry a password").toEqual([]);
});

test("every form with a password posts to the server, never to a URL", async ({ page }) => {
  const formsWithPasswords = () =>
    page.locator("form").filter({ has: page.locator('input[type="password"]') }).evaluateAll((forms: HTMLFormElement[]) =>
      forms.map((form) => ({ name: form.getAttribute("aria-label"), method: form.getAttribute("method"), action: new URL(form.action).pathname })),
    );
  const seen: Array<{ name: string | null; method: string | null; action: string }> = [];
  for (const path of ["/sign-in", "/sign-up", "/reset-password?token=some-token"]) {
    await page.goto(path);
    seen.push(...(await formsWithPasswords()));
  }
  await signUpViaApi(page.request);
  await page.goto("/settings/account");
  await page.getByRole("button", { name: "Delete account…" }).click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  seen.push(...(await formsWithPasswords()));
  expect(seen.map((form) => form.name).sort()).toEqual(["Change password", "Choose a new password", "Create your account", "Delete account", "Sign in"]);
  for (const form of seen) {
    expect(form.method, `${form.name}'s method`).toBe("post");
    expect(form.action, `${form.name}'s action`).toMatch(/^\/api\/forms\//);
  }
});
