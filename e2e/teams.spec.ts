import type { Page } from "@playwright/test";

import { buyPack, expectPaid } from "./fixtures/checkout";
import { horizontalOverflow } from "./fixtures/layout";
import { linkFromMail } from "./fixtures/mail";
import { expectAccessible } from "./fixtures/pages";
import { createTeam, screenshotsInto, switcher } from "./fixtures/teams";
import { expect, test } from "./fixtures/test";
import { fillGenerateForm, generateButton, newUser, signUp } from "./fixtures/user";

// Issue 24's "Done when", as one story (SPEC §9): an owner creates a team,
// buys its credits, invites a member by mail; the member joins, spends
// within their budget, is refused past it with a notice that names whom to
// ask; the owner raises it; the statement says who spent what; the member's
// personal wallet stays theirs. storyteller-v1 costs 2 credits per output.

const shot = screenshotsInto("test-results/teams");

/** The switcher's "Create a team", first refused without a name, then created. */
async function createTeamNamed(page: Page, name: string) {
  await switcher(page).click();
  await page.getByRole("menuitem", { name: "Create a team" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a team" });
  await dialog.getByRole("button", { name: "Create team" }).click();
  await expect(dialog.getByText("Give the team a name.")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await createTeam(page, name);
}

async function generate(page: Page, prompt: string) {
  await page.goto("/");
  await fillGenerateForm(page, { model: /^Storyteller/, prompt, outputs: 2 });
  await expect(page.getByTestId("total-cost")).toHaveText("4 credits");
  await generateButton(page).click();
}

async function setMemberBudget(page: Page, memberName: string, credits: number, first: boolean) {
  await page.goto("/settings/budgets");
  const row = page.getByRole("region", { name: "Members" }).getByTestId("member-budget-row").filter({ hasText: memberName });
  await row.getByRole("button", { name: first ? `Add a budget for ${memberName}` : `Edit ${memberName}'s budget` }).click();
  const limit = row.getByLabel("Limit in credits");
  await expect(limit).toBeFocused();
  await limit.fill(String(credits));
  await page.keyboard.press("Enter");
  await expect(page.getByText("Budget saved")).toBeVisible();
  await expect(row.getByRole("progressbar", { name: `Spent of ${memberName}'s budget` })).toBeVisible();
}

test("a team: create, buy, invite; the member joins, spends within a budget, is refused past it, the owner raises it; the statement says who", async ({ page, browser, clientProxy }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  const owner = await signUp(page);
  await expect(switcher(page)).toContainText("Personal account");
  await createTeamNamed(page, "Acme Studio");
  await expect(page.getByTestId("balance-available")).toHaveText("0");

  // The owner buys the team's credits: the pack lands in the team's wallet.
  await buyPack(page, "Creator");
  await expectPaid(page);
  await expect(page.getByTestId("balance-available")).toHaveText("500");

  // Invites the member-to-be by mail.
  const member = newUser();
  await page.goto("/settings/team");
  await expect(page.getByRole("heading", { level: 1, name: "Acme Studio" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Members" }).getByTestId("member-row")).toHaveCount(1);
  const invite = page.getByRole("form", { name: "Invite by email" });
  await expect(invite.getByLabel("Role").locator("option")).toHaveText(["Member", "Admin"]);
  await invite.getByLabel("Email address").fill(member.email);
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText(`Invitation sent to ${member.email}`)).toBeVisible();
  await expect(page.getByTestId("invitation-row").filter({ hasText: member.email })).toContainText("Member");
  await expectAccessible(page, "the team page");
  await shot(page, "team-page-owner-1280");

  // The member, in a browser of their own, opens the mailed link signed out:
  // creates an account from there, comes back, verifies the address, joins.
  const memberContext = await browser.newContext({ proxy: { server: clientProxy.url } });
  const memberPage = await memberContext.newPage();
  await memberPage.setViewportSize({ width: 1280, height: 800 });
  const invitationLink = await linkFromMail(member.email, `${owner.name} invited you to Acme Studio on Creditworks`);
  await memberPage.goto(invitationLink);
  await expect(memberPage.getByRole("heading", { name: "You have been invited to a team" })).toBeVisible();
  await memberPage.getByRole("link", { name: "Create an account" }).click();
  await memberPage.getByLabel("Name").fill(member.name);
  await memberPage.getByLabel("Email").fill(member.email);
  await memberPage.getByLabel("Password").fill(member.password);
  await memberPage.getByRole("button", { name: "Create your account" }).click();
  await expect(memberPage.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
  await memberPage.getByRole("button", { name: "Sign in" }).click();
  await memberPage.waitForURL((url) => url.pathname.startsWith("/invitations/"));
  await expect(memberPage.getByRole("heading", { name: "Verify your email address first" })).toBeVisible();
  await memberPage.goto(await linkFromMail(member.email, "Verify your email address"));
  await memberPage.waitForURL(/\/email-verified$/);
  await memberPage.goto(invitationLink);
  await expect(memberPage.getByRole("heading", { name: "Join Acme Studio as member" })).toBeVisible();
  await expectAccessible(memberPage, "the invitation page");
  await shot(memberPage, "invitation-1280");
  await memberPage.setViewportSize({ width: 390, height: 844 });
  await shot(memberPage, "invitation-390");
  await memberPage.setViewportSize({ width: 1280, height: 800 });
  await memberPage.getByRole("button", { name: "Join Acme Studio" }).click();
  await memberPage.waitForURL((url) => url.pathname === "/");
  await expect(switcher(memberPage)).toContainText("Acme Studio");
  await expect(switcher(memberPage)).toContainText("Member");
  await expect(memberPage.getByTestId("balance-available")).toHaveText("500");
  // A member sees neither Buy credits nor the team's settings they may not change.
  await expect(memberPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Buy credits" })).toHaveCount(0);
  // The team page is read-only for a member; buying is for owners.
  await memberPage.goto("/settings/team");
  await expect(memberPage.getByRole("region", { name: "Members" }).getByTestId("member-row")).toHaveCount(2);
  await expect(memberPage.getByRole("combobox")).toHaveCount(0);
  await expect(memberPage.getByRole("region", { name: "Invite people" })).toHaveCount(0);
  await expect(memberPage.getByRole("button", { name: /^Remove/ })).toHaveCount(0);
  await shot(memberPage, "team-page-member-1280");
  await memberPage.goto("/buy");
  await expect(memberPage.getByRole("heading", { name: "Buying credits is for the team's owners" })).toBeVisible();
  // The link now says it was used.
  await memberPage.goto(invitationLink);
  await expect(memberPage.getByRole("heading", { name: "You are a member of Acme Studio" })).toBeVisible();

  // The owner gives the member a monthly budget of 4 credits.
  await setMemberBudget(page, member.name, 4, true);
  await shot(page, "budgets-team-1280");

  // The member spends within it, then is refused past it: told whom to ask, not offered to raise it.
  await generate(memberPage, "Within my budget");
  await memberPage.waitForURL(/\/jobs\//);
  await generate(memberPage, "One job too many");
  const notice = memberPage.getByRole("status").filter({ hasText: "This job would go over your monthly budget" });
  await expect(notice).toBeVisible();
  await expect(notice.getByTestId("budget-left")).toHaveText("0 of 4 credits left");
  await expect(notice.getByTestId("budget-ask")).toHaveText("Ask an owner or admin of Acme Studio to raise it.");
  await expect(notice.getByRole("link", { name: "Raise the budget" })).toHaveCount(0);
  await shot(memberPage, "budget-exceeded-member-1280");

  // The owner raises it; the member generates again.
  await setMemberBudget(page, member.name, 8, false);
  await generate(memberPage, "After the raise");
  await memberPage.waitForURL(/\/jobs\//);

  // The team's statement: the charges are the member's.
  await page.goto("/statement");
  const charges = page.getByTestId("ledger-row").and(page.locator("[data-kind=CHARGE]"));
  await expect(charges).toHaveCount(2);
  for (const by of await charges.getByTestId("ledger-by").all()) await expect(by).toHaveText(member.name);
  await expect(page.getByTestId("ledger-row").and(page.locator("[data-kind=PURCHASE]"))).toHaveCount(1);
  await shot(page, "statement-team-1280");

  // The member switches to their personal account: their own wallet, not the team's.
  await switcher(memberPage).click();
  await memberPage.getByRole("menuitemradio", { name: /Personal account/ }).click();
  await expect(switcher(memberPage)).toContainText("Personal account");
  await expect(memberPage.getByTestId("balance-available")).toHaveText("100");
  await memberPage.goto("/statement");
  await expect(memberPage.getByTestId("ledger-row")).toHaveCount(1);
  await expect(memberPage.getByTestId("ledger-row").first()).toHaveAttribute("data-kind", "GRANT");
  await memberContext.close();
});

test("at 360 px: the switcher and the team page fit, and a personal account is offered a team", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await signUp(page);
  await page.goto("/settings/team");
  await expect(page.getByRole("heading", { name: "You are in your personal account" })).toBeVisible();
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "team-personal-360");
  await page.getByRole("button", { name: "Create a team" }).click();
  await page.getByRole("dialog", { name: "Create a team" }).getByLabel("Team name").fill("A team with a rather long name indeed");
  await page.keyboard.press("Enter");
  await expect(switcher(page)).toContainText("A team with a rather long name indeed");
  await expect(page.getByRole("heading", { level: 1, name: "A team with a rather long name indeed" })).toBeVisible();
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "team-page-360");
  // The switcher's menu, by keyboard: it opens on Enter, the active team is checked.
  await switcher(page).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menuitemradio", { name: /A team with a rather long name indeed/ })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("menuitemradio", { name: /Personal account/ })).toHaveAttribute("aria-checked", "false");
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "switcher-open-360");
  await page.keyboard.press("Escape");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "team-page-390");

  // Rename: the field's error, then the new name everywhere.
  const rename = page.getByRole("form", { name: "Rename the team" });
  await rename.getByLabel("Team name").fill(" ");
  await rename.getByRole("button", { name: "Save name" }).click();
  await expect(rename.getByText("Give the team a name.")).toBeVisible();
  await rename.getByLabel("Team name").fill("Short");
  await rename.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Short" })).toBeVisible();
  await expect(switcher(page)).toContainText("Short");

  // An invitation, revoked.
  const invite = page.getByRole("form", { name: "Invite by email" });
  await invite.getByLabel("Email address").fill("not-an-address");
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText("Enter an email address.")).toBeVisible();
  const invitee = newUser().email;
  await invite.getByLabel("Email address").fill(invitee);
  await invite.getByRole("button", { name: "Send invitation" }).click();
  const row = page.getByTestId("invitation-row").filter({ hasText: invitee });
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: `Revoke the invitation to ${invitee}` }).click();
  await expect(row).toHaveCount(0);

  // The only owner cannot leave: the typed refusal is shown in place.
  await page.getByRole("button", { name: "Leave team" }).click();
  await page.getByRole("alertdialog", { name: "Leave Short?" }).getByRole("button", { name: "Leave team" }).click();
  await expect(page.getByTestId("leave-error")).toContainText("A team needs an owner");
  expect(await horizontalOverflow(page)).toBeNull();
});
