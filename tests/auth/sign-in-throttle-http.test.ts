import http from "node:http";
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { requireAuthSecret } from "~/env.js";
import { accountTagOf } from "~/server/auth/known-device";
import { trackSocketAddresses } from "~/server/http/client-address";

import { db } from "../helpers";
import { serveRouteHandlers } from "../fixtures/route-handlers";

// Sign-in throttling over HTTP, as browsers meet it: the auth route served
// on a real socket, each client on a loopback address of its own (the app
// takes the address from the socket, as in production). What an office
// behind one address, an attacker guessing one account from many
// addresses, and an account's owner each get.

trackSocketAddresses();
const appOrigin = "http://localhost:3000";
const password = "correct-horse-battery";

let server: Awaited<ReturnType<typeof serveRouteHandlers>>;

beforeAll(async () => {
  const { GET, POST } = await import("~/app/api/auth/[...all]/route");
  server = await serveRouteHandlers([{ pattern: "/api/auth/[...all]", methods: { GET, POST } }], { host: "0.0.0.0" });
});

afterAll(async () => {
  await server?.close();
});

const used = new Set<string>();
/** A loopback address no other client of this file uses: one visitor. */
function visitor(): string {
  for (;;) {
    const address = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    if (!used.has(address)) {
      used.add(address);
      return address;
    }
  }
}

type Answer = { status: number; retryAfter: number | null; cookies: string[]; body: string };

/** One POST to the auth route from `from` (the socket's source address), as a browser's fetch would send it. */
function post(path: string, body: unknown, from: string, cookie?: string): Promise<Answer> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1", port: server.port, path: `/api/auth/${path}`, method: "POST", localAddress: from, agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text), origin: appOrigin, ...(cookie ? { cookie } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: retryAfter === undefined ? null : Number(retryAfter),
            cookies: response.headers["set-cookie"] ?? [],
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    request.on("error", reject);
    request.end(text);
  });
}

async function newAccount(): Promise<string> {
  const email = `throttle-${randomUUID()}@example.test`;
  const answer = await post("sign-up/email", { email, password, name: "Throttle tester" }, visitor());
  expect(answer.status, answer.body).toBe(200);
  return email;
}

const signIn = (email: string, from: string, options: { password?: string; cookie?: string } = {}) =>
  post("sign-in/email", { email, password: options.password ?? password }, from, options.cookie);

/** The browser's cookies from a successful sign-in's answer: session and known device. */
const cookiesOf = (answer: Answer) => answer.cookies.map((cookie) => cookie.split(";")[0]).join("; ");

/** The throttle's bucket of one account (keyed by an HMAC of its email). */
const accountKey = (email: string) => `sign-in:account:${accountTagOf(requireAuthSecret("the test"), email)}`;

/**
 * Runs `assertions` while the account's delay is held open: its last
 * failure is moved an hour ahead, then back to now, so the delay (seconds)
 * starts again in full. A slow machine could otherwise see a 1 s delay end
 * between two requests that are meant to fall inside it.
 */
async function withDelayHeld(email: string, assertions: () => Promise<void>): Promise<void> {
  const key = accountKey(email);
  await db.$executeRaw`UPDATE auth_throttle SET window_started_at = now() + interval '1 hour' WHERE key = ${key}`;
  try {
    await assertions();
  } finally {
    await restartDelay(email);
  }
}

/** As if the account's last failure had just happened: its delay starts again in full. */
async function restartDelay(email: string): Promise<void> {
  await db.$executeRaw`UPDATE auth_throttle SET window_started_at = now() WHERE key = ${accountKey(email)}`;
}

const failuresOf = async (email: string) => (await db.authThrottle.findUnique({ where: { key: accountKey(email) } }))?.attempts;

/** Waits as long as a 429 said to, and a little more: the wait is the throttle's contract. */
const waitOut = (answer: Answer) => new Promise((resolve) => setTimeout(resolve, (answer.retryAfter ?? 0) * 1000 + 100));

describe("sign-in throttling counts only failures that finished", () => {
  it("24 simultaneous correct sign-ins from one address all get in (attempts in flight take nothing)", async () => {
    const office = visitor();
    const email = await newAccount();
    const answers = await Promise.all(Array.from({ length: 24 }, () => signIn(email, office)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(24).fill(200));
  });

  it("24 simultaneous correct sign-ins of 24 people behind one address all get in", async () => {
    const office = visitor();
    const emails = await Promise.all(Array.from({ length: 24 }, () => newAccount()));
    const answers = await Promise.all(emails.map((email) => signIn(email, office)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(24).fill(200));
  });

  it("a success never counts: 30 sign-ins, then a wrong password is a plain 401", async () => {
    const from = visitor();
    const email = await newAccount();
    for (let attempt = 0; attempt < 30; attempt++) expect((await signIn(email, from)).status).toBe(200);
    expect((await signIn(email, from, { password: "wrong-password-1" })).status).toBe(401);
  });
});

describe("per address: failures only, and not against browsers that signed in before", () => {
  it("20 failures from one address refuse further unknown attempts from it, but not a known browser behind it", async () => {
    const office = visitor();
    const colleague = await newAccount();
    const known = await signIn(colleague, office);
    expect(known.status).toBe(200);
    const colleagueCookies = cookiesOf(known);
    expect(colleagueCookies).toContain("creditworks.known_device=");

    // Someone in the office guesses 20 different accounts' passwords.
    for (let guess = 0; guess < 20; guess++) {
      expect((await signIn(`nobody-${randomUUID()}@example.test`, office, { password: "guess-123" })).status).toBe(401);
    }
    const stranger = await signIn(`nobody-${randomUUID()}@example.test`, office, { password: "guess-123" });
    expect(stranger.status).toBe(429);
    expect(stranger.retryAfter).toBeGreaterThan(500);
    expect(JSON.parse(stranger.body)).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    // The colleague's browser has signed in to their account before: it is not locked out.
    expect((await signIn(colleague, office, { cookie: colleagueCookies })).status).toBe(200);
    // Another address is another visitor.
    expect((await signIn(colleague, visitor())).status).toBe(200);
  });
});

describe("per account: a growing delay, whatever the address, that does not lock its owner out", () => {
  it("failures on one account from many addresses are slowed by a delay that doubles; refused attempts do not grow it", async () => {
    const victim = await newAccount();
    const owner = await signIn(victim, visitor());
    expect(owner.status).toBe(200);
    const ownerCookies = cookiesOf(owner);

    // Five failures are free, each from a new address.
    for (let guess = 0; guess < 5; guess++) expect((await signIn(victim, visitor(), { password: `guess-${guess}` })).status).toBe(401);
    await restartDelay(victim);
    const first = await signIn(victim, visitor(), { password: "guess-5" });
    expect(first.status).toBe(429);
    expect(first.retryAfter).toBe(1);
    expect(JSON.parse(first.body)).toMatchObject({ code: "TOO_MANY_ATTEMPTS", retryAfterSeconds: 1 });
    // Hammering during the delay checks no password: nothing is counted, the delay does not grow.
    expect(await failuresOf(victim)).toBe(5);
    await withDelayHeld(victim, async () => {
      const hammered = await Promise.all(Array.from({ length: 10 }, () => signIn(victim, visitor(), { password: "guess-x" })));
      expect(hammered.map((answer) => answer.status)).toEqual(Array(10).fill(429));
    });
    expect(await failuresOf(victim)).toBe(5);

    await waitOut(first);
    expect((await signIn(victim, visitor(), { password: "guess-6" })).status).toBe(401);
    await restartDelay(victim);
    const second = await signIn(victim, visitor(), { password: "guess-7" });
    expect(second.status).toBe(429);
    expect(second.retryAfter).toBe(2);

    // The owner's browser knows the account: it signs in at once, delay or not.
    expect((await signIn(victim, visitor(), { cookie: ownerCookies })).status).toBe(200);
    // A browser that never signed in to it waits like everyone else (the right password included).
    await withDelayHeld(victim, async () => expect((await signIn(victim, visitor())).status).toBe(429));
    await waitOut(second);
    expect((await signIn(victim, visitor())).status).toBe(200);
  });

  it("a known-device cookie forged, or taken from another account, counts for nothing", async () => {
    const victim = await newAccount();
    const other = await newAccount();
    const otherCookies = cookiesOf(await signIn(other, visitor()));
    for (let guess = 0; guess < 6; guess++) await signIn(victim, visitor(), { password: `guess-${guess}` });
    const forged = otherCookies.replace(/creditworks\.known_device=[^;]+/, "creditworks.known_device=abc.def.ghi");
    for (const cookie of [otherCookies, forged]) {
      expect((await signIn(victim, visitor(), { cookie })).status).toBe(429);
    }
  });
});
