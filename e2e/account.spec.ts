import type { Browser, Page } from "@playwright/test";

import { linkFromMail, mailsTo } from "./fixtures/mail";
import { expectAccessible, screenshotBoth } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { newUser, signIn, signUp, type TestUser } from "./fixtures/user";

/** The seeded demo account (prisma/seed.ts), which every e2e server has. */
const demoEmail = "demo@creditworks.dev";

// Account basics end to end, mails included: the app sends through SMTP to
// the real SMTP server e2e/serve.ts runs, and the tests open the links from
// the mails it received, as a user would from their inbox.

const verifyBanner = (page: Page) => page.getByRole("region", { name: "Account verification" });

/** A second browser (its own cookies and client IP) signed in as `user`. */
async function secondDevice(browser: Browser, user: TestUser) {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": `10.${octet()}.${octet()}.${octet()}` } });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await signIn(page, user);
  await expect(page.getByTestId("balance-available")).toHaveText(/\d/);
  return { context, page };
}

async function expectSignedOut(page: Page) {
  await page.goto("/statement");
  await page.waitForURL(/\/sign-in\?next=%2Fstatement$/);
}

test.describe("Email verification", () => {
  test("sign-up mails a link; a banner asks (and resends) until it is clicked; unverified accounts can generate", async ({ page }) => {
    const user = await signUp(page);
    await expect(verifyBanner(page)).toContainText(`we sent a link to ${user.email}`);
    await expect(page.getByRole("button", { name: /^Generate ·/ })).toBeEnabled();

    await verifyBanner(page).getByRole("button", { name: "Resend the email" }).click();
    await expect(page.getByText(`Verification email sent to ${user.email}`)).toBeVisible();
    await linkFromMail(user.email, "Verify your email address", 2);
    expect(await mailsTo(user.email, "Verify your email address")).toHaveLength(2);

    await page.goto(await linkFromMail(user.email, "Verify your email address", 1));
    await page.waitForURL(/\/email-verified$/);
    await expect(page.getByRole("heading", { name: "Your email is verified" })).toBeVisible();
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(page.getByRole("button", { name: /^Generate ·/ })).toBeVisible();
    await expect(verifyBanner(page)).toHaveCount(0);
  });

  test("a tampered verification link lands on an explanation, not a crash", async ({ page }) => {
    const user = await signUp(page);
    const link = new URL(await linkFromMail(user.email, "Verify your email address"));
    link.searchParams.set("token", `${link.searchParams.get("token")}x`);
    await page.goto(link.toString());
    await expect(page.getByRole("heading", { name: "This link is invalid or has expired" })).toBeVisible();
    await expect(verifyBanner(page)).toBeVisible();
  });
});

test.describe("Password reset", () => {
  test("forgot password → mailed link → new password; the old one stops working, the link works once", async ({ page }) => {
    const user = await signUp(page);
    await page.goto("/sign-out");
    await expect(page.getByRole("status")).toHaveText("You are signed out");

    await page.goto("/sign-in");
    await page.getByRole("link", { name: "Reset it" }).click();
    await page.waitForURL(/\/forgot-password$/);
    await expectAccessible(page, "forgot password");
    await page.getByLabel("Email").fill(user.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect(page.getByText(`If an account exists for ${user.email}`)).toBeVisible();

    const link = await linkFromMail(user.email, "Reset your password");
    await page.goto(link);
    await page.waitForURL(/\/reset-password\?token=/);
    await page.getByLabel("New password", { exact: true }).fill("a-new-password-1");
    await page.getByLabel("Confirm new password").fill("a-new-password-2");
    await page.getByRole("button", { name: "Set the new password" }).click();
    await expect(page.getByLabel("Confirm new password")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("The passwords do not match.")).toBeVisible();
    await page.getByLabel("Confirm new password").fill("a-new-password-1");
    await page.getByRole("button", { name: "Set the new password" }).click();
    await page.waitForURL(/\/sign-in$/);
    await expect(page.getByText("Password changed. Sign in with your new password.")).toBeVisible();

    await signIn(page, user);
    await expect(page.getByRole("alert")).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in$/);
    await signIn(page, { ...user, password: "a-new-password-1" });
    await expect(page.getByTestId("balance-available")).toHaveText("100");

    await page.goto(link);
    await expect(page.getByText("This link is invalid or has expired")).toBeVisible();
  });

  test("an unknown email gets the same answer and no mail", async ({ page }) => {
    const stranger = newUser();
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(stranger.email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect(page.getByText(`If an account exists for ${stranger.email}`)).toBeVisible();
    // Absence, proven by what comes after it: a reset asked for a known
    // account next is mailed; a mail to the stranger would have been sent
    // first (each request hands its mail over before it answers).
    const demoMails = (await mailsTo(demoEmail, "Reset your password")).length;
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(demoEmail);
    await page.getByRole("button", { name: "Send the link" }).click();
    await linkFromMail(demoEmail, "Reset your password", demoMails + 1);
    expect(await mailsTo(stranger.email, "Reset your password")).toHaveLength(0);
  });
});

test.describe("Account settings", () => {
  test("change password: field errors, then other sessions are signed out", async ({ page, browser }) => {
    const user = await signUp(page);
    const other = await secondDevice(browser, user);
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Account settings" }).click();
    await page.waitForURL(/\/settings\/account$/);
    await expect(page.getByTestId("session-row")).toHaveCount(2);
    await expect(page.getByTestId("session-row").filter({ hasText: "This device" })).toHaveCount(1);

    const form = page.getByRole("form", { name: "Change password" });
    await form.getByLabel("Current password").fill("not-the-password");
    await form.getByLabel("New password", { exact: true }).fill("short");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(form.getByText("Use at least 8 characters.")).toBeVisible();
    await form.getByLabel("New password", { exact: true }).fill("a-better-password");
    await form.getByLabel("Confirm new password").fill("a-better-password");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(form.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByText("Wrong password.")).toBeVisible();

    await form.getByLabel("Current password").fill(user.password);
    await form.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByText("Password changed · signed out of your other sessions")).toBeVisible();
    await expect(page.getByTestId("session-row")).toHaveCount(1);
    await expectSignedOut(other.page);
    await other.context.close();

    await page.reload();
    await expect(page.getByTestId("account-email")).toHaveText(user.email);
  });

  test("sign out of other sessions", async ({ page, browser }) => {
    const user = await signUp(page);
    const other = await secondDevice(browser, user);
    await page.goto("/settings/account");
    await page.getByRole("button", { name: "Sign out of other sessions (1)" }).click();
    await expect(page.getByText("Signed out of 1 other session")).toBeVisible();
    await expect(page.getByTestId("session-row")).toHaveCount(1);
    await expectSignedOut(other.page);
    await other.context.close();
    // This device is still signed in.
    await page.goto("/statement");
    await expect(page).toHaveURL(/\/statement$/);
  });

  test("change email: the new address gets a link; the email changes when it is clicked", async ({ page }) => {
    const user = await signUp(page);
    const next = newUser().email;
    await page.goto("/settings/account");
    const form = page.getByRole("form", { name: "Change email" });
    await form.getByLabel("New email").fill("not-an-email");
    await form.getByRole("button", { name: "Change email" }).click();
    await expect(form.getByText("Enter a valid email address.")).toBeVisible();
    await form.getByLabel("New email").fill(next);
    await form.getByRole("button", { name: "Change email" }).click();
    await expect(page.getByText(`Check ${next} for a link to confirm the change`)).toBeVisible();
    await expect(page.getByTestId("account-email")).toHaveText(user.email);

    await page.goto(await linkFromMail(next, "Confirm your new email address"));
    await expect(page.getByRole("heading", { name: "Your email address is changed" })).toBeVisible();
    await page.goto("/settings/account");
    await expect(page.getByTestId("account-email")).toHaveText(next);

    await page.goto("/sign-out");
    await expect(page.getByRole("status")).toHaveText("You are signed out");
    await page.goto("/sign-in");
    await signIn(page, { ...user, email: next });
    await expect(page.getByTestId("balance-available")).toHaveText("100");
  });

  test("change email: the old address is told and can undo it, once; every device is signed out", async ({ page }) => {
    const user = await signUp(page);
    const next = newUser().email;
    await page.goto("/settings/account");
    const form = page.getByRole("form", { name: "Change email" });
    await form.getByLabel("New email").fill(next);
    await form.getByRole("button", { name: "Change email" }).click();
    await page.goto(await linkFromMail(next, "Confirm your new email address"));
    await expect(page.getByRole("heading", { name: "Your email address is changed" })).toBeVisible();

    const undoLink = await linkFromMail(user.email, "Your Creditworks email address was changed");
    await page.goto(undoLink);
    await expect(page.getByRole("heading", { name: "Undo the change of your email address?" })).toBeVisible();
    await expect(page.getByText(`changed from ${user.email} to ${next}`)).toBeVisible();
    await expectAccessible(page, "undo an email change");
    await page.getByRole("button", { name: `Restore ${user.email}` }).click();
    await expect(page.getByRole("heading", { name: "Your email address is restored" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Choose a new password" })).toBeVisible();

    await expectSignedOut(page);
    await signIn(page, user);
    await expect(page.getByTestId("balance-available")).toHaveText("100");
    await page.goto(undoLink);
    await expect(page.getByRole("heading", { name: "This link was already used" })).toBeVisible();
  });

  test("the settings page is accessible and keyboard-operable (screenshots)", async ({ page }) => {
    await signUp(page);
    await page.goto("/settings/account");
    await expect(page.getByTestId("session-row")).toHaveCount(1);
    await expectAccessible(page, "account settings");
    await screenshotBoth(page, "account-settings", async () => {
      await expect(page.getByTestId("session-row")).toHaveCount(1);
    });

    // The delete dialog opens from the keyboard and Escape closes it, focus back on its button.
    const trigger = page.getByRole("button", { name: "Delete account…" });
    await trigger.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("alertdialog", { name: "Delete your account?" });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("Your 100 credits will be lost.");
    await expectAccessible(page, "delete account dialog");
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(trigger).toBeFocused();
  });

  test("delete account: the password is required; then signed out for good", async ({ page }) => {
    const user = await signUp(page);
    await page.goto("/settings/account");
    await page.getByRole("button", { name: "Delete account…" }).click();
    const dialog = page.getByRole("alertdialog", { name: "Delete your account?" });
    await dialog.getByRole("button", { name: "Delete my account" }).click();
    await expect(dialog.getByText("Enter your password.")).toBeVisible();
    await dialog.getByLabel("Password").fill("not-the-password");
    await dialog.getByRole("button", { name: "Delete my account" }).click();
    await expect(dialog.getByText("Wrong password.")).toBeVisible();
    await expect(dialog.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");

    await dialog.getByLabel("Password").fill(user.password);
    await dialog.getByRole("button", { name: "Delete my account" }).click();
    await page.waitForURL(/\/account-deleted$/);
    await expect(page.getByRole("heading", { name: "Your account is deleted" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();

    await expectSignedOut(page);
    await signIn(page, user);
    await expect(page.getByRole("alert")).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);
  });
});

test("the dev outbox page does not exist on a production server that has SMTP", async ({ page }) => {
  const response = await page.goto("/dev/outbox");
  expect(response?.status()).toBe(404);
});
