import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { serveRouteHandlers } from "../fixtures/route-handlers";

// Sign-up must not tell who has an account (docs/architecture.md,
// "Security"): a new and an already-registered email get the same answer,
// byte for byte apart from what is random either way (the user id, the
// timestamps) and the email itself, and in about the same time. Welcome
// credits are on, as in production, so the new account's path does all of
// its work (the grant, the verification mail).
process.env.SIGNUP_CREDITS = "100";

const appOrigin = "http://localhost:3000";
const password = "correct-horse-battery";

let server: Awaited<ReturnType<typeof serveRouteHandlers>>;

beforeAll(async () => {
  const { GET, POST } = await import("~/app/api/auth/[...all]/route");
  server = await serveRouteHandlers([{ pattern: "/api/auth/[...all]", methods: { GET, POST } }]);
});

afterAll(async () => {
  await server?.close();
});

/** Emails of one length, so that even Content-Length cannot differ. */
const freshEmail = () => `n-${randomUUID()}@example.test`;

async function signUp(email: string) {
  const startedAt = performance.now();
  const response = await fetch(`${server.baseUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: appOrigin },
    body: JSON.stringify({ email, password, name: "Same Name" }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - startedAt };
}

/** The answer with what is random either way (and the email, which the caller chose) replaced by placeholders. */
function masked(text: string, email: string): string {
  const body = JSON.parse(text) as { user: Record<string, unknown> };
  const user = body.user;
  expect(typeof user.id).toBe("string");
  expect(new Date(String(user.createdAt)).getTime()).not.toBeNaN();
  expect(user.updatedAt).toBe(user.createdAt);
  return text
    .replace(JSON.stringify(String(user.id)), '"<id>"')
    .replaceAll(JSON.stringify(String(user.createdAt)), '"<time>"')
    .replace(JSON.stringify(email), '"<email>"');
}

function headersOf(headers: Headers): Record<string, string> {
  const all = Object.fromEntries(headers);
  // The only header whose value is the moment of the answer.
  expect(all.date).toBeDefined();
  delete all.date;
  return all;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("POST /api/auth/sign-up/email does not tell who has an account", () => {
  it("answers a new and an already-registered email with the same bytes, field by field and header by header", async () => {
    const existing = freshEmail();
    expect((await signUp(existing)).status).toBe(200);
    const newcomer = freshEmail();
    const fresh = await signUp(newcomer);
    const taken = await signUp(existing);

    expect(taken.status).toBe(fresh.status);
    const freshBody = JSON.parse(fresh.text) as { token: unknown; user: Record<string, unknown> };
    const takenBody = JSON.parse(taken.text) as { token: unknown; user: Record<string, unknown> };
    expect(Object.keys(takenBody)).toEqual(Object.keys(freshBody));
    expect(takenBody.token).toBeNull();
    expect(freshBody.token).toBeNull();
    // Every key, in order, and every value but the random ones.
    expect(Object.keys(takenBody.user)).toEqual(Object.keys(freshBody.user));
    for (const key of Object.keys(freshBody.user)) {
      if (["id", "email", "createdAt", "updatedAt"].includes(key)) continue;
      expect(takenBody.user[key], `user.${key}`).toEqual(freshBody.user[key]);
    }
    expect(masked(taken.text, existing)).toBe(masked(fresh.text, newcomer));
    expect(headersOf(taken.headers)).toEqual(headersOf(fresh.headers));
    expect(taken.headers.getSetCookie()).toEqual([]);
    expect(fresh.headers.getSetCookie()).toEqual([]);
  });

  it("takes about as long either way", async () => {
    const existing = freshEmail();
    await signUp(existing);
    const freshMs: number[] = [];
    const takenMs: number[] = [];
    // Interleaved, so that a slow moment of a busy machine hits both alike.
    for (let round = 0; round < 10; round++) {
      freshMs.push((await signUp(freshEmail())).ms);
      takenMs.push((await signUp(existing)).ms);
    }
    // Both are dominated by hashing the password (tens of milliseconds);
    // the medians must agree within a factor that a loaded machine's noise
    // allows. A path that skipped the hash, or waited on a mail or on more
    // than a few writes, would be several times apart.
    const ratio = median(freshMs) / median(takenMs);
    expect(ratio, `fresh ${median(freshMs).toFixed(0)} ms, taken ${median(takenMs).toFixed(0)} ms`).toBeGreaterThan(1 / 2);
    expect(ratio, `fresh ${median(freshMs).toFixed(0)} ms, taken ${median(takenMs).toFixed(0)} ms`).toBeLessThan(2);
  });
});
