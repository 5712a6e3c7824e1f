import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { startMailCatcher } from "../fixtures/mail-catcher";

// An email change tells the OLD address, with a link that restores it: once,
// for a limited time, signing every device out. Against a real SMTP server
// (as mail.test.ts), with better-auth's own change-email flow.
const catcher = await startMailCatcher();
process.env.SMTP_URL = catcher.url;

const { env } = await import("~/env.js");
const { auth } = await import("~/server/auth/auth");
const { db } = await import("~/server/db");
const { signedUpUser } = await import("../fixtures/sessions");
const { callerFor } = await import("../helpers");

afterAll(() => catcher.stop());

const password = "correct-horse-battery";
const newEmail = () => `undo-${randomUUID()}@example.test`;
const anonymous = () => callerFor(null).account;

/** Changes `email` to `next` the way a user does: the request, then the link mailed to the new address. */
async function changeEmail(email: string, next: string): Promise<void> {
  const { cookie } = await signedUpUser({ email, password, name: "Undo Tester" });
  await auth.api.changeEmail({ body: { newEmail: next, callbackURL: "/email-verified?change=1" }, headers: new Headers({ cookie }) });
  const confirm = await catcher.waitFor((mail) => mail.to.includes(next) && mail.subject === "Confirm your new email address");
  const response = await auth.handler(new Request(confirm.links.find((link) => link.includes("/api/auth/verify-email"))!, { headers: { cookie } }));
  expect(response.status).toBe(302);
  expect(await db.user.count({ where: { email: next } })).toBe(1);
}

function tokenOf(link: string): string {
  return new URL(link).searchParams.get("token")!;
}

describe("undoing an email change", () => {
  it("the old address is told, with a link that restores it once and signs every device out", async () => {
    const old = newEmail();
    const next = newEmail();
    await changeEmail(old, next);

    const notice = await catcher.waitFor((mail) => mail.to.includes(old) && mail.subject === "Your Creditworks email address was changed");
    expect(notice.text).toContain(`changed from ${old} to ${next}`);
    const link = notice.links.find((candidate) => candidate.startsWith(`${env.APP_URL}/email-change/undo?token=`));
    expect(link, notice.text).toBeTruthy();
    const token = tokenOf(link!);

    // Opening the link shows what it would do and changes nothing.
    expect(await anonymous().emailChangeUndo({ token })).toMatchObject({ state: "ready", oldEmail: old, newEmail: next });
    expect(await db.user.count({ where: { email: next } })).toBe(1);

    // Someone holds a session on the changed account.
    const thief = await auth.api.signInEmail({ body: { email: next, password } });
    expect(await anonymous().undoEmailChange({ token })).toEqual({ status: "restored", email: old });
    const user = await db.user.findUniqueOrThrow({ where: { email: old }, select: { id: true, emailVerified: true } });
    expect(user.emailVerified).toBe(true);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await db.session.findUnique({ where: { token: thief.token } })).toBeNull();
    expect((await auth.api.signInEmail({ body: { email: old, password } })).user.email).toBe(old);
    await expect(auth.api.signInEmail({ body: { email: next, password } })).rejects.toThrow();

    // Once.
    expect(await anonymous().undoEmailChange({ token })).toEqual({ status: "used" });
    expect(await anonymous().emailChangeUndo({ token })).toEqual({ state: "used" });
  });

  it("expires; refuses an address someone else took meanwhile; an unknown token is invalid", async () => {
    const { recordEmailChange, undoEmailChange, emailChangeUndoTtlHours } = await import("~/server/account/email-change-undo");
    const old = newEmail();
    const next = newEmail();
    await changeEmail(old, next);
    const { id: userId } = await db.user.findUniqueOrThrow({ where: { email: next }, select: { id: true } });

    const past = new Date(Date.now() - (emailChangeUndoTtlHours * 3_600_000 + 60_000));
    const stale = await recordEmailChange(db, { userId, oldEmail: old, newEmail: next }, past);
    expect(await undoEmailChange(db, stale.token)).toEqual({ status: "expired" });

    const fresh = await recordEmailChange(db, { userId, oldEmail: old, newEmail: next });
    await signedUpUser({ email: old, password, name: "Newcomer On The Old Address" });
    expect(await undoEmailChange(db, fresh.token)).toEqual({ status: "taken" });
    expect(await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } })).toEqual({ email: next });

    expect(await anonymous().undoEmailChange({ token: "A".repeat(43) })).toEqual({ status: "invalid" });
    await expect(anonymous().undoEmailChange({ token: "short" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("undoing a first change voids the undo of a later one, never the other way round", async () => {
    const { recordEmailChange, undoEmailChange } = await import("~/server/account/email-change-undo");
    const [a, b, c] = [newEmail(), newEmail(), newEmail()];
    await changeEmail(a, b);
    const { id: userId } = await db.user.findUniqueOrThrow({ where: { email: b }, select: { id: true } });
    const first = await recordEmailChange(db, { userId, oldEmail: a, newEmail: b }, new Date(Date.now() - 60_000));
    await db.user.update({ where: { id: userId }, data: { email: c } });
    const second = await recordEmailChange(db, { userId, oldEmail: b, newEmail: c });

    expect(await undoEmailChange(db, first.token)).toEqual({ status: "restored", email: a });
    expect(await undoEmailChange(db, second.token)).toEqual({ status: "used" });
    expect(await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } })).toEqual({ email: a });
  });
});
