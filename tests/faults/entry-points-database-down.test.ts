import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { startOwnDatabase, type OwnDatabase } from "../fixtures/own-database";
import { callTrpc } from "../fixtures/trpc-http";
import { startWebProcess, type WebProcess } from "../fixtures/web-process-spawn";

// While PostgreSQL is down (stopped, restarting), every entry point answers
// a typed, retryable 503 — `CONFLICT_RETRY` with `Retry-After` — and logs it
// once: tRPC (the session lookup of its context included, which runs before
// any procedure), REST, and the route handlers that read the database. A
// web process of this file's own (tests/fixtures/web-process.ts: the real
// handlers over HTTP) on a database of its own, its pino log captured.

let own: OwnDatabase;
let web: WebProcess;

beforeAll(async () => {
  own = await startOwnDatabase({ supervise: false });
  web = await startWebProcess(own.url, {
    DATABASE_CONNECT_TIMEOUT_MS: "1000", DATABASE_STATEMENT_TIMEOUT_MS: "1000", DATABASE_QUERY_TIMEOUT_MS: "1500",
    DATABASE_RETRY_BUDGET_MS: "500", DATABASE_LOCK_TIMEOUT_MS: "500",
  });
}, 120_000);

afterAll(async () => {
  web?.child.kill("SIGKILL");
  await own?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${web.baseUrl}${path}`, {
    method: "POST", headers: { "content-type": "application/json", origin: web.baseUrl, ...headers }, body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${web.baseUrl}${path}`, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Signs a new account up and in through the web process's auth route; its session cookie. */
async function signedIn(): Promise<string> {
  const account = { email: `down-${randomUUID()}@example.test`, password: "correct-horse-battery" };
  expect((await post("/api/auth/sign-up/email", { ...account, name: "Outage" })).status).toBe(200);
  const response = await fetch(`${web.baseUrl}/api/auth/sign-in/email`, {
    method: "POST", headers: { "content-type": "application/json", origin: web.baseUrl }, body: JSON.stringify(account),
  });
  expect(response.status).toBe(200);
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]).join("; ");
}

/** The log lines that answered a database failure with CONFLICT_RETRY (each says where). */
function unavailableLines(): Record<string, unknown>[] {
  return web.lines.filter((line) => typeof line.msg === "string" && /database unavailable|database retries exhausted|did not answer in time/.test(line.msg));
}

async function waitForLines(count: number): Promise<void> {
  await expect.poll(() => unavailableLines().length, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
}

function expectRetryable(answer: { status: number; headers: Headers; text: string }, what: string) {
  expect(answer.status, `${what}: ${answer.text}`).toBe(503);
  expect(Number(answer.headers.get("retry-after")), what).toBeGreaterThanOrEqual(1);
  expect(answer.text, what).toContain("CONFLICT_RETRY");
  expect(answer.text, what).not.toMatch(/prisma|ECONNREFUSED|stack|node_modules/i);
}

describe("entry points while PostgreSQL is down", () => {
  it("answer 503 CONFLICT_RETRY with Retry-After, each logged once, and serve again once it is back", async () => {
    const cookie = await signedIn();
    const created = await callTrpc(web.baseUrl, "POST", "apiKeys.create", {
      cookie, origin: web.baseUrl, input: { name: "outage", scopes: ["jobs:read", "jobs:write", "credits:read"] },
    });
    expect(created.status, created.text).toBe(200);
    const apiKey = (created.data as { secret: string }).secret;
    expect((await callTrpc(web.baseUrl, "GET", "credits.summary", { cookie })).status).toBe(200);

    const port = own.server.port;
    await own.server.stop();

    const trpcGet = await callTrpc(web.baseUrl, "GET", "credits.summary", { cookie });
    expectRetryable(trpcGet, "tRPC credits.summary");
    expect(trpcGet.body.error?.json.data.appCode).toBe("CONFLICT_RETRY");
    expect(trpcGet.headers.get("cache-control")).toBe("private, no-store");
    await waitForLines(1);
    const jobsCreate = await callTrpc(web.baseUrl, "POST", "jobs.create", {
      cookie, origin: web.baseUrl, input: { idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "a fox", outputs: 1 },
    });
    expectRetryable(jobsCreate, "tRPC jobs.create");
    await waitForLines(2);
    const batch = await fetch(`${web.baseUrl}/api/trpc/credits.summary,jobs.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { json: null }, 1: { json: {} } }))}`, {
      headers: { cookie },
    });
    const batchBody = (await batch.json()) as { error: { json: { data: { appCode: string } } } }[];
    expect(batch.status).toBe(503);
    expect(batch.headers.get("retry-after")).toBe("1");
    expect(batchBody.map((call) => call.error.json.data.appCode)).toEqual(["CONFLICT_RETRY", "CONFLICT_RETRY"]);
    await waitForLines(3);
    expectRetryable(await get("/api/v1/balance", { authorization: `Bearer ${apiKey}` }), "REST balance");
    await waitForLines(4);
    const webhook = await post("/api/checkout/webhook", { checkoutId: randomUUID(), provider: "sandbox", token: "t" });
    expectRetryable(webhook, "checkout webhook");
    await waitForLines(5);
    expectRetryable(await get("/api/statement/csv", { cookie }), "statement CSV");
    await waitForLines(6);
    expectRetryable(await get(`/api/jobs/${randomUUID()}/outputs.zip`, { cookie }), "outputs zip");
    await waitForLines(7);
    expectRetryable(await get("/api/auth/get-session", { cookie }), "auth get-session");
    await waitForLines(8);
    // The last one, to know every line before it has arrived: each request was logged exactly once.
    expectRetryable(await callTrpc(web.baseUrl, "GET", "account.me", { cookie }), "tRPC account.me");
    await waitForLines(9);
    const lines = unavailableLines();
    expect(lines.map((line) => line.path)).toEqual([
      "credits.summary", "jobs.create", "credits.summary,jobs.list", "/api/v1/balance", "/api/checkout/webhook",
      "/api/statement/csv", expect.stringMatching(/^\/api\/jobs\/.+\/outputs\.zip$/), "/api/auth/get-session", "account.me",
    ]);
    expect(lines.every((line) => line.level === 40)).toBe(true);
    // Nothing else was logged as an error: no second line from better-auth, tRPC or the routes.
    expect(web.lines.filter((line) => (line.level as number) >= 50)).toEqual([]);

    own.server = await startEmbeddedPostgres({ dataDir: own.dataDir, port, supervise: false });
    await expect.poll(async () => (await callTrpc(web.baseUrl, "GET", "credits.summary", { cookie })).status, { timeout: 30_000 }).toBe(200);
    expect((await get("/api/v1/balance", { authorization: `Bearer ${apiKey}` })).status).toBe(200);
    expect((await get("/api/auth/get-session", { cookie })).status).toBe(200);
  }, 120_000);
});
