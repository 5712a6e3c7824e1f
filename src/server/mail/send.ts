import nodemailer, { type Transporter } from "nodemailer";

import { env } from "~/env.js";
import { logger } from "~/server/logger";
import { mailDeliveryOf, type MailDelivery } from "~/server/mail/delivery";
import { writeToOutbox } from "~/server/mail/outbox";

/** One message: a plain-text body (always) and an HTML one. */
export type Mail = { to: string; subject: string; text: string; html: string };

export type SentMail = { delivery: MailDelivery["kind"]; messageId: string | null };

/** An SMTP server that does not answer gives up after this long, in milliseconds. */
const smtpTimeoutMs = 15_000;

let smtp: { url: string; transport: Transporter } | null = null;

function smtpTransport(url: string): Transporter {
  if (smtp?.url !== url) {
    smtp = {
      url,
      transport: nodemailer.createTransport({
        url,
        connectionTimeout: smtpTimeoutMs,
        greetingTimeout: smtpTimeoutMs,
        socketTimeout: smtpTimeoutMs,
      }),
    };
  }
  return smtp.transport;
}

/** Builds the raw message (no network) for the file outbox. */
const rawBuilder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });

/**
 * Sends one mail from MAIL_FROM the way `mailDeliveryOf` decides: over SMTP,
 * into the file outbox, or nowhere (production without SMTP: a warning that
 * names the recipient and subject, never the body, which may hold a secret
 * link). A failure to send rejects: callers decide whether to wait for it.
 */
export async function sendMail(mail: Mail, delivery: MailDelivery = mailDeliveryOf(env)): Promise<SentMail> {
  const message = { from: env.MAIL_FROM, ...mail };
  if (delivery.kind === "smtp") {
    const info = (await smtpTransport(delivery.url).sendMail(message)) as { messageId?: string };
    logger.info({ to: mail.to, subject: mail.subject }, "mail sent");
    return { delivery: "smtp", messageId: info.messageId ?? null };
  }
  if (delivery.kind === "outbox") {
    const info = (await rawBuilder.sendMail(message)) as { message: Buffer; messageId?: string };
    const stored = await writeToOutbox(delivery.dir, { date: new Date().toISOString(), from: env.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text }, info.message);
    logger.info({ to: mail.to, subject: mail.subject, file: stored.id }, "mail written to the outbox");
    return { delivery: "outbox", messageId: info.messageId ?? null };
  }
  logger.warn({ to: mail.to, subject: mail.subject }, "mail not sent: set SMTP_URL (or MAIL_OUTBOX_DIR)");
  return { delivery: "off", messageId: null };
}

/**
 * Sends without making the caller wait: an account's answer must not take
 * longer when a mail goes out (that would tell whether an email is
 * registered), and a slow SMTP server must not hold a sign-up. Failures are
 * logged, never thrown.
 */
export function sendMailInBackground(mail: Mail, delivery?: MailDelivery): void {
  void sendMail(mail, delivery).catch((error: unknown) => logger.error({ err: error, to: mail.to, subject: mail.subject }, "mail failed"));
}
