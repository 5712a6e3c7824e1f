import { randomUUID } from "node:crypto";

import type { APIRequestContext, APIResponse } from "@playwright/test";

import { expect, test } from "./fixtures/test";
import { appOrigin, newUser, signUpViaApi } from "./fixtures/user";

// The HTTP surface against the real production server: health, the cron
// route's secret, and tRPC's wire format (superjson envelope, data.appCode,
// HTTP statuses of SPEC §4, nothing internal in error bodies).

const cronSecret = "e2e-cron-secret-0123456789";

type TrpcError = { error: { json: { message: string; data: Record<string, unknown> & { appCode: string; httpStatus: number } } } };

function query(request: APIRequestContext, path: string, input?: unknown) {
  const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  return request.get(`/api/trpc/${path}${search}`);
}

function mutation(request: APIRequestContext, path: string, input: unknown) {
  return request.post(`/api/trpc/${path}`, {
    headers: { "content-type": "application/json", origin: appOrigin },
    data: JSON.stringify({ json: input }),
  });
}

async function expectAppError(response: APIResponse, status: number, appCode: string) {
  expect(response.status()).toBe(status);
  const body = (await response.json()) as TrpcError;
  expect(body.error.json.data.appCode).toBe(appCode);
  expect(body.error.json.data.httpStatus).toBe(status);
  expect(body.error.json.data).not.toHaveProperty("stack");
  expect(JSON.stringify(body)).not.toMatch(/prisma|invocation|node_modules|at async/i);
  return body.error.json;
}

/** A fresh account (with the signup credits); the session cookie stays in `request`. */
async function signUp(request: APIRequestContext) {
  const user = await signUpViaApi(request, { ...newUser(), name: "API tester" });
  return user.email;
}

function jobInput(overrides: Record<string, unknown> = {}) {
  return { idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "A lighthouse keeper's cat", outputs: 1, ...overrides };
}

test("GET /api/health reports the database ok", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: "ok" });
});

test("the cron route needs the Bearer secret", async ({ request }) => {
  const route = "/api/cron/cleanup-stuck-jobs";
  expect((await request.get(route)).status()).toBe(401);
  expect((await request.get(route, { headers: { authorization: "Bearer wrong-secret-0123456789" } })).status()).toBe(401);
  expect((await request.get(route, { headers: { authorization: `Basic ${cronSecret}` } })).status()).toBe(401);
  expect((await request.get(route, { headers: { authorization: `Bearer ${cronSecret}x` } })).status()).toBe(401);
  const ok = await request.get(route, { headers: { authorization: `Bearer ${cronSecret}` } });
  expect(ok.status()).toBe(200);
  const counts = await ok.json();
  for (const key of ["recovered", "failed", "refunded"]) expect(typeof counts[key]).toBe("number");
});

test("catalog.list answers in the superjson envelope", async ({ request }) => {
  const response = await query(request, "catalog.list");
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { result: { data: { json: { id: string }[] } } };
  expect(body.result.data.json.map((model) => model.id)).toContain("storyteller-v1");
});

test("anonymous calls to protected procedures are 401 UNAUTHORIZED", async ({ request }) => {
  await expectAppError(await query(request, "jobs.list", {}), 401, "UNAUTHORIZED");
  await expectAppError(await query(request, "credits.summary"), 401, "UNAUTHORIZED");
  await expectAppError(await mutation(request, "jobs.create", jobInput()), 401, "UNAUTHORIZED");
});

test("jobs.create over HTTP: created, replayed with the same key, bad input is 400 VALIDATION_ERROR and charges nothing", async ({ request }) => {
  await signUp(request);
  const input = jobInput({ outputs: 2 });
  const created = await mutation(request, "jobs.create", input);
  expect(created.status()).toBe(200);
  const first = (await created.json()) as { result: { data: { json: { job: { id: string; totalCost: number }; replayed: boolean } } } };
  expect(first.result.data.json).toMatchObject({ replayed: false, job: { totalCost: 4 } });
  const replay = (await (await mutation(request, "jobs.create", input)).json()) as typeof first;
  expect(replay.result.data.json).toMatchObject({ replayed: true, job: { id: first.result.data.json.job.id } });

  const summaryBefore = await (await query(request, "credits.summary")).json();
  const invalid = await expectAppError(await mutation(request, "jobs.create", jobInput({ outputs: 0 })), 400, "VALIDATION_ERROR");
  expect(invalid.data.fieldErrors).toHaveProperty("outputs");
  await expectAppError(await mutation(request, "jobs.create", jobInput({ idempotencyKey: "not-a-uuid" })), 400, "VALIDATION_ERROR");
  await expectAppError(await mutation(request, "jobs.create", jobInput({ prompt: "" })), 400, "VALIDATION_ERROR");
  await expectAppError(await query(request, "jobs.get", { id: "not-a-uuid" }), 400, "VALIDATION_ERROR");
  await expectAppError(await query(request, "jobs.get", { id: randomUUID() }), 404, "NOT_FOUND");
  const reused = await mutation(request, "jobs.create", { ...input, prompt: "another prompt" });
  await expectAppError(reused, 422, "IDEMPOTENCY_KEY_REUSED");
  const summaryAfter = await (await query(request, "credits.summary")).json();
  // Only the first job moved money (it may have finished meanwhile: available + reserved is what matters).
  const total = (s: { result: { data: { json: { available: number; reserved: number } } } }) =>
    s.result.data.json.available + s.result.data.json.reserved;
  expect(total(summaryAfter)).toBeLessThanOrEqual(total(summaryBefore));
  expect(summaryAfter.result.data.json.available).toBeGreaterThanOrEqual(summaryBefore.result.data.json.available);
});

test("errors leak no stack or internals, including unexpected ones", async ({ request }) => {
  await signUp(request);
  await expectAppError(
    await request.post("/api/trpc/jobs.create", { headers: { "content-type": "application/json", origin: appOrigin }, data: "{not json" }),
    400,
    "VALIDATION_ERROR",
  );
  await expectAppError(await query(request, "jobs.teleport", {}), 404, "NOT_FOUND");
  // A prompt PostgreSQL cannot store: refused as bad input; were it ever to
  // fail inside, the client must still see only a generic INTERNAL.
  const nul = await mutation(request, "jobs.create", jobInput({ prompt: "a\u0000b" }));
  const body = (await nul.json()) as TrpcError;
  expect([400, 500]).toContain(nul.status());
  expect(body.error.json.data).not.toHaveProperty("stack");
  expect(JSON.stringify(body)).not.toMatch(/prisma|invocation|0x00|UTF8|node_modules/i);
  if (nul.status() === 500) {
    expect(body.error.json.data.appCode).toBe("INTERNAL");
    expect(body.error.json.message).toBe("Something went wrong.");
  }
});
