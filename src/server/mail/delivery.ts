import path from "node:path";

import type { Env } from "~/env.js";

/**
 * Where mail goes, decided once from the environment:
 * - `smtp`: `SMTP_URL` is set — the only mode that reaches real inboxes;
 * - `outbox`: no SMTP, and `MAIL_OUTBOX_DIR` is set, or the app runs outside
 *   production (then `<CREDITWORKS_DATA_DIR>/mail`): each mail is written
 *   there as .eml and .json, and listed on /dev/outbox when `page` is true,
 *   which is never in production;
 * - `off`: production with neither: mails are dropped with a warning.
 */
export type MailDelivery =
  | { kind: "smtp"; url: string }
  | { kind: "outbox"; dir: string; page: boolean }
  | { kind: "off" };

type MailEnv = Pick<Env, "NODE_ENV" | "SMTP_URL" | "MAIL_OUTBOX_DIR" | "CREDITWORKS_DATA_DIR">;

export function mailDeliveryOf(env: MailEnv): MailDelivery {
  if (env.SMTP_URL) return { kind: "smtp", url: env.SMTP_URL };
  const production = env.NODE_ENV === "production";
  if (!env.MAIL_OUTBOX_DIR && production) return { kind: "off" };
  const dir = path.resolve(/*turbopackIgnore: true*/ env.MAIL_OUTBOX_DIR ?? path.join(env.CREDITWORKS_DATA_DIR, "mail"));
  // The page shows every account's links (password resets included) to
  // whoever asks, unauthenticated: never on a production server, whatever
  // the configuration (`npm start`, a production build, prints them in its
  // terminal instead: scripts/lib/outbox-echo.ts).
  return { kind: "outbox", dir, page: !production };
}
