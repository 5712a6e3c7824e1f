import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import OutboxPage from "~/app/dev/outbox/page";
import { env } from "~/env.js";
import { mailDeliveryOf } from "~/server/mail/delivery";
import { sendMail } from "~/server/mail/send";

// The dev outbox page on the file outbox this test file's environment uses
// (tests/setup/per-file.ts points MAIL_OUTBOX_DIR at a temporary folder;
// NODE_ENV is "test", so the page is allowed).
describe("/dev/outbox", () => {
  it("lists the outbox's mails, newest first, with their links clickable", async () => {
    expect(mailDeliveryOf(env)).toMatchObject({ kind: "outbox", page: true });
    await sendMail({ to: "older@example.test", subject: "Older mail", text: "Nothing to click", html: "<p>x</p>" });
    await sendMail({ to: "newer@example.test", subject: "Verify your email address", text: "Verify:\nhttp://localhost:3000/api/auth/verify-email?token=abc&callbackURL=%2Femail-verified\n", html: "<p>x</p>" });

    const html = renderToStaticMarkup(await OutboxPage());
    expect(html.indexOf("Verify your email address")).toBeLessThan(html.indexOf("Older mail"));
    expect(html).toContain("To newer@example.test");
    expect(html).toContain('<a href="http://localhost:3000/api/auth/verify-email?token=abc&amp;callbackURL=%2Femail-verified"');
  });
});
