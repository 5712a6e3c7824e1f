import { addTeamMemberDirectly } from "./fixtures/database";
import { horizontalOverflow } from "./fixtures/layout";
import { expectAccessible } from "./fixtures/pages";
import { createTeam, screenshotsInto, switcher } from "./fixtures/teams";
import { expect, test } from "./fixtures/test";
import { newUser, signUp, signUpViaApi } from "./fixtures/user";

// Issue 24's leftovers: an owner deletes a team and lands in their personal
// account; the last owner can neither step down nor delete their account
// (each refusal shown in place); an owner beside another steps down.

const shot = screenshotsInto("test-results/team-delete");

test("the last owner cannot step down nor delete their account; deleting the team lands in the personal account", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signUp(page);
  const team = `Walker Studio ${Date.now().toString(36)}`;
  await createTeam(page, team);
  await page.goto("/settings/team");

  // Stepping down as the only owner: confirmed, then refused in place.
  await page.getByRole("button", { name: "Step down to admin" }).click();
  await page.getByRole("alertdialog", { name: "Step down to admin?" }).getByRole("button", { name: "Step down" }).click();
  await expect(page.getByTestId("step-down-error")).toHaveText("A team needs an owner: make someone else owner before you step down.");
  await shot(page, "step-down-refused-1280");

  // The account page says, before and after trying, which team blocks the deletion.
  await page.goto("/settings/account");
  await expect(page.getByTestId("last-owner-notice")).toContainText(`You are the last owner of ${team}.`);
  await page.getByRole("button", { name: "Delete account…" }).click();
  const deleteAccount = page.getByRole("alertdialog", { name: "Delete your account?" });
  await deleteAccount.getByLabel("Password").fill("correct-horse-battery");
  await deleteAccount.getByRole("button", { name: "Delete my account" }).click();
  await expect(deleteAccount.getByRole("alert")).toHaveText(`You are the last owner of ${team}: make another member owner, or delete the team, first.`);
  await shot(page, "account-delete-refused-1280");
  await deleteAccount.getByRole("button", { name: "Keep my account" }).click();
  await page.setViewportSize({ width: 360, height: 780 });
  await expect(page.getByTestId("last-owner-notice")).toBeVisible();
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "account-last-owner-360");
  await page.setViewportSize({ width: 1280, height: 800 });

  // The danger zone, by keyboard: the dialog says what happens to the credits, a wrong name is refused at the field.
  await page.goto("/settings/team");
  const trigger = page.getByRole("button", { name: "Delete team…" });
  await trigger.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("alertdialog", { name: `Delete ${team}?` });
  await expect(dialog).toContainText("Its wallet is empty.");
  await expect(dialog).toContainText("Every member goes back to their personal account.");
  await expectAccessible(page, "the delete-team dialog");
  await shot(page, "delete-team-dialog-1280");
  const name = dialog.getByLabel("Team name");
  await name.focus();
  await page.keyboard.type("Walker");
  await page.keyboard.press("Enter");
  await expect(dialog.getByText(`Type the team's name, ${team}, exactly to confirm.`)).toBeVisible();
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await name.fill("");
  await page.keyboard.type(team);
  await page.keyboard.press("Enter");

  await page.waitForURL((url) => url.pathname === "/");
  await expect(page.getByText(`${team} was deleted. You are in your personal account.`)).toBeVisible();
  await expect(switcher(page)).toContainText("Personal");
  await switcher(page).click();
  await expect(page.getByRole("menuitemradio", { name: /Personal account/ })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("menuitemradio", { name: new RegExp(team) })).toHaveCount(0);
  await page.keyboard.press("Escape");

  // Nothing blocks the account's deletion any more.
  await page.goto("/settings/account");
  await expect(page.getByRole("button", { name: "Delete account…" })).toBeVisible();
  await expect(page.getByTestId("last-owner-notice")).toHaveCount(0);
});

test("at 360 px: the danger zone and its dialog fit; an owner beside another steps down to admin", async ({ page, playwright }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await signUp(page);
  const team = `Two owners ${Date.now().toString(36)}`;
  await createTeam(page, team);
  const other = newUser();
  const request = await playwright.request.newContext({ baseURL: new URL(page.url()).origin });
  await signUpViaApi(request, other);
  await request.dispose();
  await addTeamMemberDirectly(team, other.email, "OWNER");

  await page.goto("/settings/team");
  await expect(page.getByRole("region", { name: "Delete the team" })).toBeVisible();
  await expect(page.getByTestId("member-row")).toHaveCount(2);
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "team-page-owner-360");
  await page.getByRole("button", { name: "Delete team…" }).click();
  const dialog = page.getByRole("alertdialog", { name: `Delete ${team}?` });
  await expect(dialog.getByLabel("Team name")).toBeVisible();
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "delete-team-dialog-360");
  await dialog.getByRole("button", { name: "Keep the team" }).click();
  await expect(dialog).toBeHidden();

  // By keyboard: the button under the owner's role, its dialog's action.
  await page.getByRole("button", { name: "Step down to admin" }).focus();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("alertdialog", { name: "Step down to admin?" });
  await expect(confirm).toBeVisible();
  expect(await horizontalOverflow(page)).toBeNull();
  await confirm.getByRole("button", { name: "Step down" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText(`You are now an admin of ${team}`)).toBeVisible();
  // An admin: no danger zone, no step-down, and the switcher says so.
  await expect(page.getByRole("region", { name: "Delete the team" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Step down to admin" })).toHaveCount(0);
  await expect(switcher(page)).toContainText("Admin");
  expect(await horizontalOverflow(page)).toBeNull();
  await shot(page, "team-page-after-step-down-360");
});
