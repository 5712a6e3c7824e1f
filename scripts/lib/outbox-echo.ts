import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** How often the launcher looks for new mails in the file outbox, in milliseconds. */
const outboxPollMs = 1_000;
/** Mails printed per look, at most (the rest wait for the next one). */
const mailsPerPollMax = 20;

type OutboxJson = { to: string; subject: string; links: string[] };

/**
 * The terminal's copy of the file outbox for `npm start` on the zero-setup
 * local run. A production server never serves /dev/outbox (it would show
 * every account's links to whoever asks), so the launcher — whose terminal
 * belongs to the person running it — prints each new mail's recipient,
 * subject and links. Mails already in the folder when it starts are not
 * printed again.
 */
export function createOutboxEcho(dir: string, print: (line: string) => void) {
  let seen: Set<string> | null = null;

  async function names(): Promise<string[]> {
    const all = await readdir(dir).catch(() => [] as string[]);
    return all.filter((name) => name.endsWith(".json")).sort();
  }

  /** Prints the mails written since the last call (the first call only takes note of what is there). */
  async function poll(): Promise<void> {
    const current = await names();
    if (seen === null) {
      seen = new Set(current);
      return;
    }
    const fresh = current.filter((name) => !seen!.has(name)).slice(0, mailsPerPollMax);
    for (const name of fresh) {
      // A file still being written does not parse yet: it is read on the next look.
      const mail = JSON.parse(await readFile(path.join(dir, name), "utf8")) as OutboxJson;
      seen.add(name);
      print(`Mail to ${mail.to}: ${mail.subject}${mail.links.map((link) => `\n    ${link}`).join("")}`);
    }
  }

  return { poll };
}

/** Runs `createOutboxEcho` every `outboxPollMs` until the returned function is called. */
export async function startOutboxEcho(dir: string, print: (line: string) => void): Promise<() => void> {
  const echo = createOutboxEcho(dir, print);
  await echo.poll();
  const timer = setInterval(() => {
    echo.poll().catch(() => {});
  }, outboxPollMs);
  timer.unref();
  return () => clearInterval(timer);
}
