import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { InFlightFull, withInFlightLimit } from "~/server/auth/in-flight";
import { accountTagOf, knownDeviceFor, knownDeviceSetCookie } from "~/server/auth/known-device";
import { accountDelayMs, checkSignIn, recordSignInFailure, signInLimits, type SignInLimits } from "~/server/auth/sign-in-throttle";

import { db } from "../helpers";

// The sign-in throttle's parts, on the real database: buckets of finished
// failures per address and per account, the account's growing delay, the
// known-device exemption and its own bucket. Over HTTP:
// tests/auth/sign-in-throttle-http.test.ts.

const address = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const account = () => randomUUID();
const secret = "test-secret-test-secret-test-secret-0123";

/**
 * Small counts, and windows and delays of minutes that a test ends by moving
 * a bucket's start back (`endWindow`), never by waiting: on a slow machine
 * a window of milliseconds could end between two calls meant to fall in it.
 */
const small: SignInLimits = {
  ...signInLimits,
  addressFailuresMax: 3, addressWindowMs: 60_000,
  accountFreeFailures: 2, accountDelayBaseMs: 60_000, accountDelayMaxMs: 240_000, accountStreakMs: 600_000,
  deviceFailuresMax: 2, deviceWindowMs: 60_000,
};

/** Ends a bucket's window (or an account's delay) as if an hour had passed. */
async function endWindow(key: string): Promise<void> {
  await db.$executeRaw`UPDATE auth_throttle SET window_started_at = window_started_at - interval '1 hour' WHERE key = ${key}`;
}

describe("the account's delay", () => {
  it("is zero for the free failures, then doubles with each failure, up to its cap", () => {
    expect([0, 1, 4].map((failures) => accountDelayMs(failures))).toEqual([0, 0, 0]);
    expect([5, 6, 7, 8].map((failures) => accountDelayMs(failures))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(accountDelayMs(50)).toBe(signInLimits.accountDelayMaxMs);
    expect(accountDelayMs(10_000)).toBe(signInLimits.accountDelayMaxMs);
  });
});

describe("buckets of finished failures", () => {
  it("an address over its failures is refused until its fixed window ends; then it starts from zero", async () => {
    const from = address();
    for (let failure = 0; failure < 3; failure++) {
      expect(await checkSignIn(db, { address: from, account: account(), device: null }, small)).toMatchObject({ allowed: true });
      await recordSignInFailure(db, { address: from, account: account(), device: null }, small);
    }
    expect(await checkSignIn(db, { address: from, account: account(), device: null }, small)).toMatchObject({
      allowed: false, reason: "address", retryAfterSeconds: expect.any(Number),
    });
    await endWindow(`sign-in:address:${from}`);
    expect((await checkSignIn(db, { address: from, account: account(), device: null }, small)).allowed).toBe(true);
  });

  it("an account's failures from any address make it wait: free ones first, then a delay from the last failure", async () => {
    const target = account();
    const attempt = () => ({ address: address(), account: target, device: null });
    await recordSignInFailure(db, attempt(), small);
    expect((await checkSignIn(db, attempt(), small)).allowed).toBe(true);
    await recordSignInFailure(db, attempt(), small);
    expect(await checkSignIn(db, attempt(), small)).toEqual({ allowed: false, reason: "account", retryAfterSeconds: 60 });
    // Checking writes nothing: the delay ends when it said it would, however often it was asked.
    for (let asked = 0; asked < 5; asked++) await checkSignIn(db, attempt(), small);
    const bucket = await db.authThrottle.findUniqueOrThrow({ where: { key: `sign-in:account:${target}` } });
    expect(bucket.attempts).toBe(2);
    await endWindow(bucket.key);
    expect((await checkSignIn(db, attempt(), small)).allowed).toBe(true);
  });

  it("50 failures recorded at once count 50", async () => {
    const target = account();
    await Promise.all(Array.from({ length: 50 }, () => recordSignInFailure(db, { address: address(), account: target, device: null })));
    const row = await db.authThrottle.findUniqueOrThrow({ where: { key: `sign-in:account:${target}` } });
    expect(row.attempts).toBe(50);
  });

  it("a known device skips the address and account limits until its own bucket is full (a stolen cookie gets little)", async () => {
    const from = address();
    const target = account();
    const device = randomUUID();
    for (let failure = 0; failure < 3; failure++) await recordSignInFailure(db, { address: from, account: target, device: null }, small);
    expect((await checkSignIn(db, { address: from, account: target, device: null }, small)).allowed).toBe(false);
    expect(await checkSignIn(db, { address: from, account: target, device }, small)).toEqual({ allowed: true, viaKnownDevice: true });
    for (let failure = 0; failure < 2; failure++) await recordSignInFailure(db, { address: from, account: target, device }, small);
    expect((await checkSignIn(db, { address: from, account: target, device }, small)).allowed).toBe(false);
  });

  it("expired buckets are pruned when a new one starts", async () => {
    const stale = address();
    await recordSignInFailure(db, { address: stale, account: account(), device: null }, small);
    await endWindow(`sign-in:address:${stale}`);
    await recordSignInFailure(db, { address: address(), account: account(), device: null }, small);
    expect(await db.authThrottle.count({ where: { key: `sign-in:address:${stale}` } })).toBe(0);
  });
});

describe("known-device cookies", () => {
  it("name the account only by an HMAC, verify only with this secret, and keep the last few accounts", () => {
    const alice = accountTagOf(secret, " Alice@Example.test ");
    expect(alice).toBe(accountTagOf(secret, "alice@example.test"));
    expect(alice).not.toContain("alice");
    const first = knownDeviceSetCookie(secret, null, alice, { secure: false });
    expect(first).toMatch(/; Path=\/api\/auth\/sign-in; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const cookie = first.split(";")[0]!;
    const device = knownDeviceFor(secret, cookie, alice);
    expect(device).toEqual(expect.any(String));
    expect(knownDeviceFor("another-secret-another-secret-0000000", cookie, alice)).toBeNull();
    expect(knownDeviceFor(secret, cookie, accountTagOf(secret, "bob@example.test"))).toBeNull();
    // Signing in again keeps the device id; another account joins the same cookie.
    const bob = accountTagOf(secret, "bob@example.test");
    const both = knownDeviceSetCookie(secret, knownDeviceSetCookie(secret, cookie, alice, { secure: true }).split(";")[0]!, bob, { secure: true });
    expect(both).toContain("; Secure");
    expect(knownDeviceFor(secret, both.split(";")[0]!, alice)).toBe(device);
    expect(knownDeviceFor(secret, both.split(";")[0]!, bob)).toEqual(expect.any(String));
    const tampered = cookie.replace(/\.[^.]+$/, ".forged");
    expect(knownDeviceFor(secret, tampered, alice)).toBeNull();
  });
});

describe("attempts in flight", () => {
  it("run at most `running` at once per key, the rest in order, and past `waitingMax` are refused", async () => {
    const key = randomUUID();
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const work = (index: number) => withInFlightLimit(key, { running: 2, waitingMax: 3 }, async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      order.push(index);
      running--;
      return index;
    });
    const calls = [0, 1, 2, 3, 4].map(work);
    await expect(work(5)).rejects.toBeInstanceOf(InFlightFull);
    while (order.length < 5) {
      await expect.poll(() => gates.length).toBeGreaterThan(0);
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
