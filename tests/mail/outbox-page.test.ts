import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";

import OutboxPage from "~/app/dev/outbox/page";
import { env } from "~/env.js";
import { mailDeliveryOf } from "~/server/mail/delivery";
import { sendMail } from "~/server/mail/send";

// The dev outbox page on the file outbox this test file's environment uses
// (tests/setup/per-file.ts points MAIL_OUTBOX_DIR at a temporary folder;
// NODE_ENV is "test", so the page is allowed).
describe("/dev/outbox", () => {
  const testNodeEnv = env.NODE_ENV;
  afterEach(() => {
    env.NODE_ENV = testNodeEnv;
    delete (env as Record<string, unknown>).MAIL_OUTBOX_PAGE;
  });

  it("lists the outbox's mails, newest first, with their links clickable", async () => {
    expect(mailDeliveryOf(env)).toMatchObject({ kind: "outbox", page: true });
    await sendMail({ to: "older@example.test", subject: "Older mail", text: "Nothing to click", html: "<p>x</p>" });
    await sendMail({ to: "newer@example.test", subject: "Verify your email address", text: "Verify:\nhttp://localhost:3000/api/auth/verify-email?token=abc&callbackURL=%2Femail-verified\n", html: "<p>x</p>" });

    const html = renderToStaticMarkup(await OutboxPage());
    expect(html.indexOf("Verify your email address")).toBeLessThan(html.indexOf("Older mail"));
    expect(html).toContain("To newer@example.test");
    expect(html).toContain('<a href="http://localhost:3000/api/auth/verify-email?token=abc&amp;callbackURL=%2Femail-verified"');
  });

  it("is a 404 on a production server, even with the file outbox in use and the page asked for", async () => {
    // What the zero-setup `npm start` used to run with: a production build,
    // MAIL_OUTBOX_DIR and MAIL_OUTBOX_PAGE=true from the launcher.
    env.NODE_ENV = "production";
    (env as Record<string, unknown>).MAIL_OUTBOX_PAGE = true;
    expect(env.MAIL_OUTBOX_DIR).toBeTruthy();
    await sendMail({ to: "someone@example.test", subject: "Reset your password", text: "http://localhost:3000/api/auth/reset-password/secret", html: "<p>x</p>" });

    await expect(OutboxPage()).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;404/) });
  });
});
