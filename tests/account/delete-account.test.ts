import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { deletedEmailFor } from "~/server/account/delete-account";
import { auth, getSessionUser } from "~/server/auth/auth";
import { runJob } from "~/server/jobs/run";

import { clientErrorOf, procedureError, refusedBy } from "../fixtures/errors";
import { accountState, callerFor, db, expectConserved, jobRequest, workerDeps } from "../helpers";
import { signedUpUser } from "../fixtures/sessions";
import { addMember, callerIn, makeUser } from "../fixtures/workspaces";
import { createTeam } from "~/server/workspaces/teams";

// account.delete on real better-auth accounts (signed up through its API,
// password hashed by it) and a real ledger: personal data goes, the books
// stay, and the account can never sign in again.

const password = "correct-horse-battery";

async function signedUp(credits = 30) {
  const email = `delete-${randomUUID()}@example.test`;
  const { user, cookie } = await signedUpUser({ email, password, name: "Ada Deleteme", credits });
  return { user, email, cookie };
}

describe("account.delete", () => {
  it("anonymises the user, deletes sessions and password, keeps the row, the ledger and the jobs", async () => {
    const { user, email, cookie } = await signedUp();
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    await runJob(workerDeps(), job.id);
    const before = await accountState(user.id);

    expect(await procedureError(callerFor(user).account.delete({ password: "not-my-password" }))).toMatchObject({
      appCode: "VALIDATION_ERROR", httpStatus: 400, fieldErrors: { password: ["Wrong password."] },
    });
    expect(await db.session.count({ where: { userId: user.id } })).toBe(1);

    const { deletedAt } = await callerFor(user).account.delete({ password });
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row).toMatchObject({ name: "Deleted user", email: deletedEmailFor(user.id), image: null, emailVerified: false, deletedAt });
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await db.account.count({ where: { userId: user.id } })).toBe(0);

    const after = await accountState(user.id);
    expect(after.balance).toBe(before.balance);
    expect(after.entries.map((e) => e.id)).toEqual(before.entries.map((e) => e.id));
    await expectConserved(user.id, expect);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(1);

    // The old cookie is worth nothing, and the old credentials sign nobody in.
    expect(await getSessionUser(new Headers({ cookie }))).toBeNull();
    await expect(auth.api.signInEmail({ body: { email, password } })).rejects.toThrow();
    // The address is free again: signing up with it makes a new, separate account.
    const again = await auth.api.signUpEmail({ body: { email, password, name: "Someone new" } });
    expect(again.user.id).not.toBe(user.id);
  });

  it("refuses while a job is active, and charges or changes nothing", async () => {
    const { user } = await signedUp();
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 1, prompt: "Still running #hang" }));
    expect(await procedureError(callerFor(user).account.delete({ password }))).toMatchObject({
      appCode: "VALIDATION_ERROR", fieldErrors: { _: ["Cancel your running job or wait for it to finish first."] },
    });
    expect(await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { deletedAt: true } })).toEqual({ deletedAt: null });

    await callerFor(user).jobs.cancel({ id: job.id });
    await callerFor(user).account.delete({ password });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { deletedAt: true } })).deletedAt).not.toBeNull();
  });

  it("a deleted account gets no session again, whatever path asks for one", async () => {
    const { user } = await signedUp();
    await callerFor(user).account.delete({ password });
    const context = await auth.$context;
    expect(await context.internalAdapter.createSession(user.id)).toBeNull();
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
  });

  it("two deletions at once: one deletes, the other is refused", async () => {
    const { user } = await signedUp();
    const results = await Promise.allSettled([callerFor(user).account.delete({ password }), callerFor(user).account.delete({ password })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(["NOT_FOUND", "VALIDATION_ERROR"]).toContain(clientErrorOf(rejected.reason).data.appCode);
  });

  it("the database refuses a deleted account that still holds its address", async () => {
    const { user } = await signedUp();
    const refused = await refusedBy(db.user.update({ where: { id: user.id }, data: { deletedAt: new Date() } }));
    expect(refused.state).toBe("23514");
    expect(refused.message).toContain("user_deleted_is_anonymised");
  });

  it("anonymous callers are UNAUTHORIZED", async () => {
    expect(await procedureError(callerFor(null).account.delete({ password }))).toMatchObject({ appCode: "UNAUTHORIZED" });
  });
});

describe("account.delete and the user's teams", () => {
  it("refuses while the user is the last owner of a team, naming it (VALIDATION_ERROR under teams), and changes nothing", async () => {
    const { user } = await signedUp();
    const other = await makeUser();
    const walker = await createTeam(db, user.id, "Walker Studio");
    await addMember(walker.id, other.id, "MEMBER");
    const solo = await createTeam(db, user.id, "Acme");
    const message = "You are the last owner of Acme and Walker Studio: make another member owner, or delete the teams, first.";
    expect(await callerFor(user).account.deletionPreview()).toEqual({ credits: 30, lastOwnerOf: ["Acme", "Walker Studio"] });
    expect(await procedureError(callerFor(user).account.delete({ password }))).toMatchObject({
      appCode: "VALIDATION_ERROR", fieldErrors: { teams: [message] },
    });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).deletedAt).toBeNull();
    expect(await db.workspaceMember.count({ where: { userId: user.id } })).toBe(3);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(1);

    // One team deleted, the other given a second owner: the account may go.
    await (await callerIn(user, solo.id)).workspaces.deleteTeam({ name: "Acme" });
    expect(await procedureError(callerFor(user).account.delete({ password }))).toMatchObject({
      fieldErrors: { teams: ["You are the last owner of Walker Studio: make another member owner, or delete the team, first."] },
    });
    await (await callerIn(user, walker.id)).workspaces.changeRole({ userId: other.id, role: "OWNER" });
    expect((await callerFor(user).account.deletionPreview()).lastOwnerOf).toEqual([]);
    await callerFor(user).account.delete({ password });
    expect(await db.workspaceMember.findMany({ where: { workspaceId: walker.id }, select: { userId: true, role: true } })).toEqual([
      { userId: other.id, role: "OWNER" },
    ]);
  });

  it("takes the user out of every team in the same transaction: memberships, their keys there, audited", async () => {
    const { user } = await signedUp();
    const owner = await makeUser();
    const team = await createTeam(db, owner.id, "Walker Studio");
    await addMember(team.id, user.id, "ADMIN");
    const { createApiKey } = await import("~/server/api-keys/keys");
    const { key } = await createApiKey(db, team.id, { name: "theirs", scopes: ["jobs:read"] }, user.id);
    const sessionId = (await db.session.findFirstOrThrow({ where: { userId: user.id } })).id;
    await db.session.update({ where: { id: sessionId }, data: { activeWorkspaceId: team.id } });

    const { deletedAt } = await callerFor(user).account.delete({ password });
    expect(await db.workspaceMember.count({ where: { userId: user.id } })).toBe(1); // their personal workspace's
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(1);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toEqual(deletedAt);
    const audit = await db.workspaceChange.findFirstOrThrow({ where: { workspaceId: team.id, action: "MEMBER_LEFT" } });
    expect([audit.subjectUserId, audit.before, audit.after]).toEqual([user.id, { role: "ADMIN" }, { reason: "ACCOUNT_DELETED" }]);
  });

  it("the preview quotes the personal wallet's credits, whatever workspace the session acts in", async () => {
    const { user } = await signedUp(30);
    const team = await createTeam(db, user.id, "Rich Team");
    const { grantCredits } = await import("../fixtures/workspaces");
    await grantCredits(team.id, 900);
    expect(await (await callerIn(user, team.id)).account.deletionPreview()).toEqual({ credits: 30, lastOwnerOf: ["Rich Team"] });
  });
});

