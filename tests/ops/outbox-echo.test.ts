import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { writeToOutbox } from "~/server/mail/outbox";

import { createOutboxEcho } from "../../scripts/lib/outbox-echo";

// `npm start` serves no /dev/outbox (a production server never does): the
// launcher prints the local run's mails in its own terminal instead.
describe("the launcher's echo of the file outbox", () => {
  let dir = "";
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("prints each new mail once, with its links; mails already there are not printed", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "creditworks-echo-"));
    const mail = (to: string, subject: string, text: string) =>
      writeToOutbox(dir, { date: new Date().toISOString(), from: "x@example.test", to, subject, text }, Buffer.from("raw"));
    await mail("old@example.test", "Before the start", "http://localhost:3000/old");
    const printed: string[] = [];
    const echo = createOutboxEcho(dir, (line) => printed.push(line));
    await echo.poll();
    expect(printed).toEqual([]);

    await mail("demo@creditworks.dev", "Reset your password", "Choose a new password:\nhttp://localhost:3000/api/auth/reset-password/tok?callbackURL=%2Freset-password\n");
    await echo.poll();
    await echo.poll();
    expect(printed).toEqual(["Mail to demo@creditworks.dev: Reset your password\n    http://localhost:3000/api/auth/reset-password/tok?callbackURL=%2Freset-password"]);
  });
});
