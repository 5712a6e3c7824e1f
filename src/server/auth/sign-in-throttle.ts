import "server-only";

import type { Db } from "~/server/db";

/** Failed sign-ins one client address may make per window. */
export const signInFailuresMax = 20;
/** The fixed window of `signInFailuresMax`, from the first attempt in it. */
export const signInWindowMs = 10 * 60_000;
/** Expired windows deleted per new window: bounded work on the sign-in path. */
const pruneBatchMax = 100;

export type SignInAttempt =
  | { allowed: true; key: string; windowStartedAt: Date }
  | { allowed: false; retryAfterSeconds: number };

type WindowRow = { attempts: number; windowStartedAt: Date; now: Date };

/**
 * Takes one attempt from the client's window before the password is
 * checked: one atomic upsert, so N parallel guesses take N attempts and the
 * (N+1)-th over the limit is refused whatever the timing. Refused attempts
 * are not stored beyond `max + 1`, so hammering does not extend anything.
 * `address` null (unknown client) shares one bucket: fail closed.
 */
export async function takeSignInAttempt(
  client: Db,
  address: string | null,
  limits: { max: number; windowMs: number } = { max: signInFailuresMax, windowMs: signInWindowMs },
): Promise<SignInAttempt> {
  const key = `sign-in:${address ?? "unknown"}`;
  const [row] = await client.$queryRaw<WindowRow[]>`
    INSERT INTO auth_throttle AS t (key, attempts, window_started_at)
    VALUES (${key}, 1, now())
    ON CONFLICT (key) DO UPDATE SET
      attempts = CASE WHEN t.window_started_at <= now() - ${limits.windowMs} * interval '1 millisecond'
                      THEN 1 ELSE LEAST(t.attempts + 1, ${limits.max + 1}) END,
      window_started_at = CASE WHEN t.window_started_at <= now() - ${limits.windowMs} * interval '1 millisecond'
                               THEN now() ELSE t.window_started_at END
    RETURNING attempts, window_started_at AS "windowStartedAt", now() AS now`;
  if (!row) throw new Error("Assertion failed: the throttle upsert returns its row");
  if (row.attempts === 1) await pruneExpiredWindows(client, limits.windowMs);
  if (row.attempts <= limits.max) return { allowed: true, key, windowStartedAt: row.windowStartedAt };
  const endsInMs = row.windowStartedAt.getTime() + limits.windowMs - row.now.getTime();
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(endsInMs / 1000)) };
}

/**
 * Gives a successful sign-in's attempt back, so only failures count. Only
 * within the window it was taken from (a new window starts from zero).
 */
export async function giveBackSignInAttempt(client: Db, attempt: { key: string; windowStartedAt: Date }): Promise<void> {
  await client.$executeRaw`
    UPDATE auth_throttle SET attempts = attempts - 1
    WHERE key = ${attempt.key} AND window_started_at = ${attempt.windowStartedAt} AND attempts > 0`;
}

async function pruneExpiredWindows(client: Db, windowMs: number): Promise<void> {
  await client.$executeRaw`
    DELETE FROM auth_throttle WHERE key IN (
      SELECT key FROM auth_throttle
      WHERE window_started_at < now() - ${windowMs} * interval '1 millisecond'
      LIMIT ${pruneBatchMax})`;
}
