import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { getSessionUser } from "~/server/auth/auth";
import { sessionCache } from "~/server/auth/session-cache";

import { sleep } from "../fixtures/concurrency";
import { signedUpUser } from "../fixtures/sessions";
import { db } from "../helpers";

// A request's session answers from the process's memory once validated, and
// is forgotten the moment the database says it changed (SPEC §3.11: access
// follows the session; a revocation is not delayed by a cache).

afterAll(() => sessionCache.close());

async function signedIn() {
  await sessionCache.ready();
  const email = `cache-${randomUUID()}@example.test`;
  const { user, cookie } = await signedUpUser({ email, password: "correct-horse-battery", name: "Cache Tester" });
  return { user, headers: new Headers({ cookie }) };
}

async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 3_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (JSON.stringify(value) === JSON.stringify(expected) || Date.now() > giveUpAt) return value;
    await sleep(25);
  }
}

describe("the session cache", () => {
  it("answers a validated session from memory: no session row needed until something changes", async () => {
    const { user, headers } = await signedIn();
    expect((await getSessionUser(headers))?.id).toBe(user.id);
    // Gone without a notification (triggers off): only memory can still answer.
    await db.$transaction([
      db.$executeRaw`ALTER TABLE session DISABLE TRIGGER session_changed`,
      db.$executeRaw`DELETE FROM session WHERE user_id = ${user.id}`,
      db.$executeRaw`ALTER TABLE session ENABLE TRIGGER session_changed`,
    ]);
    expect((await getSessionUser(headers))?.id).toBe(user.id);
  });

  it("forgets a session the moment it is revoked (deleted) in the database", async () => {
    const { user, headers } = await signedIn();
    expect(await eventually(async () => (await getSessionUser(headers))?.id ?? null, user.id)).toBe(user.id);
    await db.session.deleteMany({ where: { userId: user.id } });
    expect(await eventually(() => getSessionUser(headers), null, 1_000)).toBeNull();
  });

  it("sees a role change at once (an admin promoted or demoted)", async () => {
    const { user, headers } = await signedIn();
    expect(await eventually(async () => (await getSessionUser(headers))?.role ?? null, "USER")).toBe("USER");
    await db.user.update({ where: { id: user.id }, data: { role: "ADMIN" } });
    expect(await eventually(async () => (await getSessionUser(headers))?.role ?? null, "ADMIN", 1_000)).toBe("ADMIN");
  });

  it("a forged or unknown cookie is never answered from memory", async () => {
    const forged = new Headers({ cookie: `better-auth.session_token=${randomUUID()}.forged` });
    expect(await getSessionUser(forged)).toBeNull();
    expect(await getSessionUser(forged)).toBeNull();
  });
});
