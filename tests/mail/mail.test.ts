import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { startMailCatcher } from "../fixtures/mail-catcher";

// The mail module and better-auth's account mails against a REAL SMTP
// server started here (smtp-server on a free loopback port): SMTP_URL is set
// before the app's environment is first read, so the app sends to it.
const catcher = await startMailCatcher();
process.env.SMTP_URL = catcher.url;
process.env.MAIL_FROM = "Creditworks Test <no-reply@creditworks.test>";

const { env } = await import("~/env.js");
const { sendMail, sendMailInBackground } = await import("~/server/mail/send");
const { mailDeliveryOf } = await import("~/server/mail/delivery");
const { readOutbox } = await import("~/server/mail/outbox");
const { auth } = await import("~/server/auth/auth");
const { db } = await import("~/server/db");
const { signedUpUser } = await import("../fixtures/sessions");

afterAll(() => catcher.stop());

const password = "correct-horse-battery";
const newEmail = () => `mail-${randomUUID()}@example.test`;

async function signUp(email: string) {
  return (await signedUpUser({ email, password, name: "Mail tester" })).cookie;
}

/** Follows a mailed link into better-auth in-process, as a browser would (no redirect following). */
function follow(link: string, cookie?: string) {
  return auth.handler(new Request(link, { headers: cookie ? { cookie } : {} }));
}

describe("sendMail", () => {
  it("delivers over SMTP from MAIL_FROM with a text and an HTML part", async () => {
    expect(mailDeliveryOf(env)).toEqual({ kind: "smtp", url: catcher.url });
    const to = newEmail();
    const sent = await sendMail({ to, subject: "Hello over SMTP", text: "Plain body https://example.test/a", html: "<p>HTML body</p>" });
    expect(sent.delivery).toBe("smtp");
    const mail = await catcher.waitFor((m) => m.to.includes(to));
    expect(mail).toMatchObject({ from: "\"Creditworks Test\" <no-reply@creditworks.test>", subject: "Hello over SMTP", links: ["https://example.test/a"] });
    expect(mail.text.trim()).toBe("Plain body https://example.test/a");
    expect(mail.html).toContain("<p>HTML body</p>");
  });

  it("rejects when the SMTP server is unreachable; the background variant only logs", async () => {
    const closed = await startMailCatcher();
    await closed.stop();
    const mail = { to: newEmail(), subject: "Nowhere", text: "x", html: "<p>x</p>" };
    await expect(sendMail(mail, { kind: "smtp", url: closed.url })).rejects.toThrow();
    // Nothing thrown, nothing rejected unhandled (vitest fails the file on an unhandled rejection).
    expect(() => sendMailInBackground(mail, { kind: "smtp", url: closed.url })).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  it("writes .eml and .json into the file outbox, listed newest first", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "creditworks-outbox-"));
    try {
      const delivery = { kind: "outbox", dir, page: true } as const;
      await sendMail({ to: "first@example.test", subject: "First", text: "One https://app.test/x?token=1", html: "<p>One</p>" }, delivery);
      await sendMail({ to: "second@example.test", subject: "Second", text: "Two", html: "<p>Two</p>" }, delivery);
      const names = (await readdir(dir)).sort();
      expect(names.filter((n) => n.endsWith(".eml"))).toHaveLength(2);
      expect(names.filter((n) => n.endsWith(".json"))).toHaveLength(2);
      const eml = await readFile(path.join(dir, names.find((n) => n.endsWith(".eml"))!), "utf8");
      expect(eml).toMatch(/^Content-Type: /m);
      expect(eml).toContain("Subject: First");
      const listed = await readOutbox(dir);
      expect(listed.map((m) => m.subject)).toEqual(["Second", "First"]);
      expect(listed[1]).toMatchObject({ to: "first@example.test", links: ["https://app.test/x?token=1"] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("chooses SMTP, then an explicit outbox, then the data-dir outbox outside production, else nothing", () => {
    const base = { NODE_ENV: "production" as const, SMTP_URL: undefined, MAIL_OUTBOX_DIR: undefined, CREDITWORKS_DATA_DIR: "/srv/data" };
    expect(mailDeliveryOf({ ...base, SMTP_URL: "smtp://mx:25", MAIL_OUTBOX_DIR: "/tmp/o" })).toEqual({ kind: "smtp", url: "smtp://mx:25" });
    expect(mailDeliveryOf(base)).toEqual({ kind: "off" });
    expect(mailDeliveryOf({ ...base, MAIL_OUTBOX_DIR: "/tmp/o" })).toEqual({ kind: "outbox", dir: "/tmp/o", page: false });
    expect(mailDeliveryOf({ ...base, NODE_ENV: "development" })).toEqual({ kind: "outbox", dir: "/srv/data/mail", page: true });
  });
});

describe("account mails through better-auth", () => {
  it("sign-up mails a verification link; following it verifies the email and lands on /email-verified", async () => {
    const email = newEmail();
    await signUp(email);
    const mail = await catcher.waitFor((m) => m.to.includes(email));
    expect(mail.subject).toBe("Verify your email address");
    const link = mail.links.find((l) => l.includes("/api/auth/verify-email"))!;
    expect(new URL(link).searchParams.get("callbackURL")).toBe("/email-verified");
    expect(await db.user.findUniqueOrThrow({ where: { email }, select: { emailVerified: true } })).toEqual({ emailVerified: false });

    const response = await follow(link);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/email-verified");
    expect(await db.user.findUniqueOrThrow({ where: { email }, select: { emailVerified: true } })).toEqual({ emailVerified: true });
  });

  it("a forgotten password: the mailed link opens /reset-password with a token that sets a new password once", async () => {
    const email = newEmail();
    const cookie = await signUp(email);
    const answer = await auth.api.requestPasswordReset({ body: { email, redirectTo: "/reset-password" } });
    const unknown = await auth.api.requestPasswordReset({ body: { email: newEmail(), redirectTo: "/reset-password" } });
    expect(unknown).toEqual(answer);

    const mail = await catcher.waitFor((m) => m.to.includes(email) && m.subject === "Reset your password");
    const link = mail.links.find((l) => l.includes("/api/auth/reset-password/"))!;
    const response = await follow(link);
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get("location")!);
    expect(target.pathname).toBe("/reset-password");
    const token = target.searchParams.get("token")!;
    expect(token).toBeTruthy();

    await auth.api.resetPassword({ body: { token, newPassword: "a-brand-new-password" } });
    await expect(auth.api.resetPassword({ body: { token, newPassword: "yet-another-password" } })).rejects.toThrow();
    await expect(auth.api.signInEmail({ body: { email, password } })).rejects.toThrow();
    expect((await auth.api.signInEmail({ body: { email, password: "a-brand-new-password" } })).user.email).toBe(email);
    // Every session that existed before the reset is gone.
    expect(await auth.api.getSession({ headers: new Headers({ cookie }) })).toBeNull();
  });

  it("changing the email mails the NEW address; the email changes only when its link is followed", async () => {
    const email = newEmail();
    const cookie = await signUp(email);
    const target = newEmail();
    await auth.api.changeEmail({ body: { newEmail: target, callbackURL: "/email-verified?change=1" }, headers: new Headers({ cookie }) });
    const mail = await catcher.waitFor((m) => m.to.includes(target));
    expect(mail.subject).toBe("Confirm your new email address");
    expect(await db.user.count({ where: { email } })).toBe(1);

    const response = await follow(mail.links.find((l) => l.includes("/api/auth/verify-email"))!, cookie);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/email-verified?change=1");
    expect(await db.user.count({ where: { email } })).toBe(0);
    expect(await db.user.count({ where: { email: target } })).toBe(1);
  });
});
