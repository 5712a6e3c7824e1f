import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { deletedEmailFor } from "~/server/account/delete-account";
import { auth, getSessionUser } from "~/server/auth/auth";
import { runJob } from "~/server/jobs/run";

import { clientErrorOf, procedureError, refusedBy } from "../fixtures/errors";
import { accountState, callerFor, db, expectConserved, jobRequest, workerDeps } from "../helpers";
import { signedUpUser } from "../fixtures/sessions";

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
