import { describe, expect, it } from "vitest";

import { giveBackSignInAttempt, signInFailuresMax, takeSignInAttempt } from "~/server/auth/sign-in-throttle";
import { db } from "../helpers";

const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe("sign-in throttle (failures per client address, in PostgreSQL)", () => {
  it("allows the limit, then refuses with the wait until the window ends", async () => {
    const client = address();
    for (let attempt = 1; attempt <= signInFailuresMax; attempt++) {
      expect((await takeSignInAttempt(db, client)).allowed, `attempt ${attempt}`).toBe(true);
    }
    const refused = await takeSignInAttempt(db, client);
    expect(refused).toMatchObject({ allowed: false });
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThan(590);
    // Another address is another visitor.
    expect((await takeSignInAttempt(db, address())).allowed).toBe(true);
  });

  it("a successful sign-in gives its attempt back: only failures count", async () => {
    const client = address();
    const limits = { max: 3, windowMs: 60_000 };
    for (let success = 0; success < 10; success++) {
      const attempt = await takeSignInAttempt(db, client, limits);
      expect(attempt.allowed).toBe(true);
      if (attempt.allowed) await giveBackSignInAttempt(db, attempt);
    }
    for (let failure = 0; failure < 3; failure++) expect((await takeSignInAttempt(db, client, limits)).allowed).toBe(true);
    expect((await takeSignInAttempt(db, client, limits)).allowed).toBe(false);
  });

  it("50 parallel guesses take 50 attempts: exactly the limit gets through", async () => {
    const client = address();
    const results = await Promise.all(Array.from({ length: 50 }, () => takeSignInAttempt(db, client, { max: 7, windowMs: 60_000 })));
    expect(results.filter((result) => result.allowed)).toHaveLength(7);
  });

  it("a new window starts from zero, and expired windows are pruned", async () => {
    const client = address();
    const limits = { max: 1, windowMs: 200 };
    expect((await takeSignInAttempt(db, client, limits)).allowed).toBe(true);
    expect((await takeSignInAttempt(db, client, limits)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await takeSignInAttempt(db, client, limits)).allowed).toBe(true);
    const stale = address();
    await takeSignInAttempt(db, stale, limits);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await takeSignInAttempt(db, address(), limits); // A new window prunes expired ones.
    expect(await db.authThrottle.count({ where: { key: `sign-in:${stale}` } })).toBe(0);
  });

  it("an unknown address shares one bucket: it fails closed", async () => {
    const limits = { max: 2, windowMs: 60_000 };
    await db.authThrottle.deleteMany({ where: { key: "sign-in:unknown" } });
    expect((await takeSignInAttempt(db, null, limits)).allowed).toBe(true);
    expect((await takeSignInAttempt(db, null, limits)).allowed).toBe(true);
    expect((await takeSignInAttempt(db, null, limits)).allowed).toBe(false);
  });
});
