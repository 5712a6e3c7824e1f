import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** What the outbox keeps of one mail besides its raw .eml, for the dev page and tests. */
export type OutboxMail = {
  id: string;
  date: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  links: string[];
};

/** The outbox page lists this many mails at most, newest first. */
export const outboxListMax = 50;

const linkPattern = /https?:\/\/[^\s<>"]+/g;

/** Every http(s) link in a text, in order. */
export function linksIn(text: string): string[] {
  return text.match(linkPattern) ?? [];
}

/**
 * Writes one mail into `dir` as `<id>.eml` (the raw RFC 5322 message, which
 * any mail client opens) and `<id>.json`. Ids start with the time, so names
 * sort oldest first.
 */
export async function writeToOutbox(dir: string, mail: Omit<OutboxMail, "id" | "links">, raw: Buffer): Promise<OutboxMail> {
  const id = `${new Date(mail.date).toISOString().replace(/[:.]/g, "-")}-${crypto.randomUUID().slice(0, 8)}`;
  const stored: OutboxMail = { id, ...mail, links: linksIn(mail.text) };
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${id}.eml`), raw);
  await writeFile(path.join(dir, `${id}.json`), `${JSON.stringify(stored, null, 2)}\n`);
  return stored;
}

/** The newest mails of the outbox (none when it does not exist yet). */
export async function readOutbox(dir: string, limit: number = outboxListMax): Promise<OutboxMail[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const newest = names.filter((name) => name.endsWith(".json")).sort().reverse().slice(0, limit);
  return Promise.all(newest.map(async (name) => JSON.parse(await readFile(path.join(dir, name), "utf8")) as OutboxMail));
}
