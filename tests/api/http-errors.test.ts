import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import trpcHandler from "~/pages/api/trpc/[trpc]";
import { auth } from "~/server/auth/auth";
import { money } from "~/server/money";

import { servePagesApi } from "../fixtures/pages-api";
import { testAppOrigin } from "../fixtures/trpc-http";
import { db, jobRequest } from "../helpers";

// The tRPC API route as the browser sees it (real HTTP, superjson envelope),
// with a real better-auth session: error bodies
// carry data.appCode and the HTTP status of SPEC §4, and nothing internal
// (no stack, no database message) — even though NODE_ENV=test, where tRPC
// would include stacks by default.

const server = await servePagesApi(trpcHandler as never, "/api/trpc", "trpc");
afterAll(() => server.close());

type TrpcBody = {
  result?: { data: { json: unknown } };
  error?: { json: { message: string; code: number; data: Record<string, unknown> & { appCode?: string; httpStatus?: number } } };
};

async function trpc(method: "GET" | "POST", path: string, options: { input?: unknown; cookie?: string; rawBody?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.cookie) headers.cookie = options.cookie;
  // As a browser sends it on every POST (the app refuses a cookie-authenticated POST from elsewhere).
  if (method === "POST") headers.origin = testAppOrigin;
  const search = method === "GET" && options.input !== undefined ? `?input=${encodeURIComponent(JSON.stringify({ json: options.input }))}` : "";
  const response = await fetch(`${server.baseUrl}/api/trpc/${path}${search}`, {
    method,
    headers,
    body: method === "POST" ? (options.rawBody ?? JSON.stringify({ json: options.input })) : undefined,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as TrpcBody };
}

/** Sign-up opens no session (it must not tell whether the email existed): sign up, then sign in. */
async function signUp(): Promise<string> {
  const account = { email: `http-${randomUUID()}@example.test`, password: "correct-horse-battery" };
  await auth.api.signUpEmail({ body: { ...account, name: "HTTP tester" } });
  const response = await auth.api.signInEmail({ body: account, asResponse: true });
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  expect(cookie).toContain("session_token");
  return cookie;
}

function expectNoInternals(result: { text: string; body: TrpcBody }) {
  expect(result.body.error?.json.data).toBeDefined();
  expect(result.body.error!.json.data).not.toHaveProperty("stack");
  expect(result.text).not.toMatch(/prisma|invocation|node_modules|\.ts:\d+|at async/i);
}

describe("tRPC over the route handler", () => {
  it("catalog.list answers in the superjson envelope", async () => {
    const result = await trpc("GET", "catalog.list");
    expect(result.status).toBe(200);
    expect(Array.isArray(result.body.result?.data.json)).toBe(true);
  });

  it("anonymous jobs.list → 401 UNAUTHORIZED, no stack", async () => {
    const result = await trpc("GET", "jobs.list", { input: {} });
    expect(result.status).toBe(401);
    expect(result.body.error?.json.data.appCode).toBe("UNAUTHORIZED");
    expectNoInternals(result);
  });

  it("signed in: bad input → 400 VALIDATION_ERROR with field errors; too little credit → 402 with requiredCredits", async () => {
    const cookie = await signUp();
    const invalid = await trpc("POST", "jobs.create", { cookie, input: { ...jobRequest(), outputs: 0 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error?.json.data).toMatchObject({ appCode: "VALIDATION_ERROR", fieldErrors: { outputs: expect.any(Array) } });
    expectNoInternals(invalid);

    const poor = await trpc("POST", "jobs.create", { cookie, input: jobRequest({ outputs: 2 }) });
    expect(poor.status).toBe(402);
    expect(poor.body.error?.json.data).toMatchObject({ appCode: "INSUFFICIENT_CREDITS", requiredCredits: 4 });
    expect(await db.job.count()).toBe(0);
  });

  it("over a budget → 402 BUDGET_EXCEEDED whose data names the budget, what is left and when it resets", async () => {
    const cookie = await signUp();
    const user = await db.user.findFirstOrThrow({ where: { name: "HTTP tester" }, orderBy: { createdAt: "desc" }, select: { id: true } });
    await money.moveCredits(db, {
      workspaceId: user.id, amount: 10, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Test credits", idempotencyKey: `test:${user.id}`,
    });
    const set = await trpc("POST", "budgets.set", { cookie, input: { scope: "ACCOUNT", period: "MONTH", limitCredits: 3, timeZone: "UTC" } });
    expect(set.status).toBe(200);
    const over = await trpc("POST", "jobs.create", { cookie, input: jobRequest({ outputs: 2 }) });
    expect(over.status).toBe(402);
    const now = new Date();
    expect(over.body.error?.json.data).toMatchObject({
      appCode: "BUDGET_EXCEEDED",
      budget: {
        scope: "ACCOUNT", period: "MONTH", apiKeyId: null, limitCredits: 3, spentCredits: 0, remainingCredits: 3,
        resetsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      },
    });
    expectNoInternals(over);
  });

  it("a malformed body → 400 VALIDATION_ERROR; an unknown procedure → 404 NOT_FOUND", async () => {
    const cookie = await signUp();
    const malformed = await trpc("POST", "jobs.create", { cookie, rawBody: "{not json" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.json.data.appCode).toBe("VALIDATION_ERROR");
    expectNoInternals(malformed);
    const unknown = await trpc("GET", "jobs.teleport", { cookie, input: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.json.data.appCode).toBe("NOT_FOUND");
  });

  it("an unexpected failure → 500 INTERNAL with a generic message and no stack or database text", async () => {
    const cookie = await signUp();
    // Make the database fail underneath the procedure (this file's own database).
    await db.$executeRawUnsafe(`ALTER TABLE job RENAME TO job_hidden_for_test`);
    try {
      const result = await trpc("GET", "jobs.list", { cookie, input: {} });
      expect(result.status).toBe(500);
      expect(result.body.error?.json.message).toBe("Something went wrong.");
      expect(result.body.error?.json.data.appCode).toBe("INTERNAL");
      expectNoInternals(result);
      expect(result.text).not.toContain("job_hidden_for_test");
    } finally {
      await db.$executeRawUnsafe(`ALTER TABLE job_hidden_for_test RENAME TO job`);
    }
  });
});
