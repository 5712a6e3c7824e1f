import { createHmac, randomBytes } from "node:crypto";

import type pg from "pg";

const sessionCookie = "better-auth.session_token";

/**
 * Signed-in sessions for seeded users without going through sign-up
 * (scrypt would take minutes for 1,000 users): a session row per user and
 * the cookie better-auth expects, `<token>.<base64 HMAC-SHA256(secret)>`,
 * URL-encoded, as better-call's signCookieValue writes it.
 */
export async function createSessionCookies(client: pg.Client, userIds: string[], secret: string): Promise<Map<string, string>> {
  const tokens = userIds.map(() => randomBytes(24).toString("base64url"));
  await client.query(
    `INSERT INTO session (id, token, user_id, expires_at, created_at, updated_at)
     SELECT gen_random_uuid()::text, t, u, now() + interval '7 days', now(), now()
     FROM unnest($1::text[], $2::text[]) AS s(t, u)`,
    [tokens, userIds],
  );
  const cookies = new Map<string, string>();
  userIds.forEach((userId, index) => {
    const token = tokens[index]!;
    const signature = createHmac("sha256", secret).update(token).digest("base64");
    cookies.set(userId, `${sessionCookie}=${encodeURIComponent(`${token}.${signature}`)}`);
  });
  return cookies;
}
