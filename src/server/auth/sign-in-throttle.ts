import "server-only";

import type { Db } from "~/server/db";

/**
 * Failed email sign-ins, counted in PostgreSQL (every web process and
 * serverless instance shares the counts) in two kinds of bucket:
 *
 * - per client address: at most `addressFailuresMax` failures per fixed
 *   window of `addressWindowMs`; past it the address is refused until the
 *   window ends (what slows one address guessing many accounts);
 * - per account (the email, keyed by an HMAC so no address is stored):
 *   after `accountFreeFailures` failures each further attempt waits a delay
 *   that doubles with every failure, up to `accountDelayMaxMs` — never a
 *   lockout: a refused attempt checks no password, so it adds no failure
 *   and the delay stops growing (what slows guessing one account from many
 *   addresses). A streak ends `accountStreakMs` after its last failure.
 *
 * Only failures that finished count: an attempt in flight takes nothing
 * (parallel sign-ins behind one address all get through), and a success
 * never counts. A browser that signed in to an account before carries a
 * known-device cookie for it (src/server/auth/known-device.ts): its attempts
 * skip both limits, so neither an attacker behind the same network nor one
 * guessing the account elsewhere locks its owner out; it has a small bucket
 * of its own (`deviceFailuresMax`), in case the cookie was stolen.
 */
export const signInLimits = {
  addressFailuresMax: 20,
  addressWindowMs: 10 * 60_000,
  accountFreeFailures: 5,
  accountDelayBaseMs: 1_000,
  accountDelayMaxMs: 5 * 60_000,
  accountStreakMs: 60 * 60_000,
  deviceFailuresMax: 10,
  deviceWindowMs: 60 * 60_000,
};

export type SignInLimits = typeof signInLimits;

/** Expired buckets deleted per new bucket: bounded work on the sign-in path. */
const pruneBatchMax = 100;

/** The buckets one sign-in attempt is counted in. `device` only when it carries a valid known-device cookie for the account. */
export type SignInBuckets = { address: string | null; account: string; device: string | null };

export type SignInVerdict =
  | { allowed: true; viaKnownDevice: boolean }
  | { allowed: false; retryAfterSeconds: number; reason: "address" | "account" };

type BucketRow = { key: string; failures: number; windowStartedAt: Date; now: Date };

const addressKey = (address: string | null) => `sign-in:address:${address ?? "unknown"}`;
const accountKey = (account: string) => `sign-in:account:${account}`;
const deviceKey = (device: string) => `sign-in:device:${device}`;

/** The wait before the next attempt after `failures` failures in a streak (0 for the first free ones). */
export function accountDelayMs(failures: number, limits: SignInLimits = signInLimits): number {
  if (failures < limits.accountFreeFailures) return 0;
  const doublings = Math.min(failures - limits.accountFreeFailures, 30);
  return Math.min(limits.accountDelayBaseMs * 2 ** doublings, limits.accountDelayMaxMs);
}

const secondsUntil = (atMs: number, nowMs: number) => Math.max(1, Math.ceil((atMs - nowMs) / 1000));

/**
 * Whether an attempt may check its password now, from the failures counted
 * so far (one read, nothing written: an attempt takes nothing until it has
 * failed). Refusals say how long to wait.
 */
export async function checkSignIn(client: Db, buckets: SignInBuckets, limits: SignInLimits = signInLimits): Promise<SignInVerdict> {
  const keys = [addressKey(buckets.address), accountKey(buckets.account), ...(buckets.device ? [deviceKey(buckets.device)] : [])];
  const rows = await client.$queryRaw<BucketRow[]>`
    SELECT key, attempts AS failures, window_started_at AS "windowStartedAt", now() AS now
    FROM auth_throttle WHERE key = ANY(${keys}::text[])`;
  const byKey = new Map(rows.map((row) => [row.key, row]));
  if (buckets.device) {
    const device = byKey.get(deviceKey(buckets.device));
    const deviceOpen = !device || device.windowStartedAt.getTime() <= device.now.getTime() - limits.deviceWindowMs;
    if (deviceOpen || device.failures < limits.deviceFailuresMax) return { allowed: true, viaKnownDevice: true };
  }
  const address = byKey.get(addressKey(buckets.address));
  if (address && address.failures >= limits.addressFailuresMax) {
    const endsAt = address.windowStartedAt.getTime() + limits.addressWindowMs;
    if (endsAt > address.now.getTime()) return { allowed: false, reason: "address", retryAfterSeconds: secondsUntil(endsAt, address.now.getTime()) };
  }
  const account = byKey.get(accountKey(buckets.account));
  if (account) {
    // An account bucket's window_started_at is its streak's last failure.
    const lastFailureMs = account.windowStartedAt.getTime();
    const nowMs = account.now.getTime();
    const streakLive = lastFailureMs > nowMs - limits.accountStreakMs;
    const waitUntil = lastFailureMs + accountDelayMs(account.failures, limits);
    if (streakLive && waitUntil > nowMs) return { allowed: false, reason: "account", retryAfterSeconds: secondsUntil(waitUntil, nowMs) };
  }
  return { allowed: true, viaKnownDevice: false };
}

/**
 * Counts one finished failure in each of the attempt's buckets, in one
 * atomic statement: an address bucket in its fixed window, the account's in
 * its streak (restarted `accountStreakMs` after the last failure), the
 * device's in its window.
 */
export async function recordSignInFailure(client: Db, buckets: SignInBuckets, limits: SignInLimits = signInLimits): Promise<void> {
  const keys = [addressKey(buckets.address), accountKey(buckets.account), ...(buckets.device ? [deviceKey(buckets.device)] : [])];
  const rows = await client.$queryRaw<{ failures: number }[]>`
    WITH bucket AS (
      SELECT key, CASE
          WHEN key LIKE 'sign-in:account:%' THEN ${limits.accountStreakMs}::int
          WHEN key LIKE 'sign-in:device:%' THEN ${limits.deviceWindowMs}::int
          ELSE ${limits.addressWindowMs}::int END * interval '1 millisecond' AS span
      FROM unnest(${keys}::text[]) AS k(key))
    INSERT INTO auth_throttle AS t (key, attempts, window_started_at)
    SELECT key, 1, now() FROM bucket
    ON CONFLICT (key) DO UPDATE SET
      attempts = CASE WHEN t.window_started_at <= now() - (SELECT span FROM bucket WHERE bucket.key = t.key)
                      THEN 1 ELSE t.attempts + 1 END,
      -- An account's streak slides with its last failure; the others keep their fixed window.
      window_started_at = CASE
        WHEN t.key LIKE 'sign-in:account:%' THEN now()
        WHEN t.window_started_at <= now() - (SELECT span FROM bucket WHERE bucket.key = t.key) THEN now()
        ELSE t.window_started_at END
    RETURNING attempts AS failures`;
  if (rows.some((row) => row.failures === 1)) {
    await pruneExpiredBuckets(client, Math.max(limits.addressWindowMs, limits.accountStreakMs, limits.deviceWindowMs));
  }
}

async function pruneExpiredBuckets(client: Db, windowMs: number): Promise<void> {
  await client.$executeRaw`
    DELETE FROM auth_throttle WHERE key IN (
      SELECT key FROM auth_throttle
      WHERE window_started_at < now() - ${windowMs} * interval '1 millisecond'
      LIMIT ${pruneBatchMax})`;
}
