import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { bodyBytesMax } from "~/server/rest/handler";
import {
  balanceResource,
  jobPageResource,
  jobResource,
  jobWithOutputsResource,
  ledgerPageResource,
  problemResource,
} from "~/server/rest/resources";
import { runJob } from "~/server/jobs/run";

import { accountState, createUser, db, expectConserved, workerDeps } from "../helpers";
import { keyFor, restJobBody, serveRest } from "../fixtures/rest";

// Every REST endpoint over real HTTP: the happy path (parsed with the
// response schemas the OpenAPI document is generated from) and its
// failures as application/problem+json with the SPEC §4 code.

const rest = await serveRest();
const limited = await serveRest({ rateLimitPerMinute: 2, maxActiveJobs: 1_000 });
const fewActive = await serveRest({ rateLimitPerMinute: 1_000, maxActiveJobs: 1 });
afterAll(async () => {
  await Promise.all([rest.close(), limited.close(), fewActive.close()]);
});

type Response = Awaited<ReturnType<typeof rest.request>>;

function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain("application/problem+json");
  const problem = problemResource.parse(response.json);
  expect(problem).toMatchObject({ status, code });
  expect(problem.type).toMatch(/^\/docs\/api#problem-/);
  expect(response.text).not.toMatch(/prisma|invocation|node_modules|\.ts:\d+|at async|stack/i);
  return problem;
}

async function signedUpKey(balance = 100) {
  const user = await createUser({ balance });
  return { user, key: await keyFor(user) };
}

describe("REST /api/v1", () => {
  it("POST /jobs → 201 with the job and a Location; the same domain charge as tRPC", async () => {
    const { user, key } = await signedUpKey(100);
    const created = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 3 }) });
    expect(created.status).toBe(201);
    expect(created.contentType).toContain("application/json");
    const job = jobResource.parse(created.json);
    expect(job).toMatchObject({ status: "PENDING", outputsRequested: 3, totalCost: 6, userId: user.id });
    expect(created.headers.get("location")).toBe(`/api/v1/jobs/${job.id}`);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
    expect((await accountState(user.id)).balance).toBe(94);
    await expectConserved(user.id, expect);
  });

  it("GET /jobs/{id} → the job with outputs; another user's job and a missing one → 404; a bad id → 400", async () => {
    const { user, key } = await signedUpKey();
    const created = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody() });
    const id = String(created.json.id);
    await runJob(workerDeps(), id);
    const got = await rest.request("GET", `/jobs/${id}`, { key });
    expect(got.status).toBe(200);
    const job = jobWithOutputsResource.parse(got.json);
    expect(job).toMatchObject({ id, status: "COMPLETED", userId: user.id });
    expect(job.outputs).toHaveLength(2);

    const stranger = await signedUpKey();
    expectProblem(await rest.request("GET", `/jobs/${id}`, { key: stranger.key }), 404, "NOT_FOUND");
    expectProblem(await rest.request("GET", `/jobs/${randomUUID()}`, { key }), 404, "NOT_FOUND");
    const bad = expectProblem(await rest.request("GET", "/jobs/not-a-uuid", { key }), 400, "VALIDATION_ERROR");
    expect(bad.fieldErrors).toHaveProperty("id");
  });

  it("GET /jobs → pages with a cursor and a status filter; bad query → 400 with field errors", async () => {
    const { key } = await signedUpKey(100);
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const created = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 1 }) });
      ids.push(String(created.json.id));
    }
    await rest.request("POST", `/jobs/${ids[0]}/cancel`, { key });
    const first = jobPageResource.parse((await rest.request("GET", "/jobs?limit=2", { key })).json);
    expect(first.items.map((job) => job.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).toBe(ids[1]);
    const second = jobPageResource.parse((await rest.request("GET", `/jobs?limit=2&cursor=${first.nextCursor}`, { key })).json);
    expect(second.items.map((job) => job.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    const cancelled = jobPageResource.parse((await rest.request("GET", "/jobs?status=CANCELLED", { key })).json);
    expect(cancelled.items.map((job) => job.id)).toEqual([ids[0]]);

    for (const query of ["limit=0", "limit=101", "limit=abc", "status=DONE", "cursor=nope", "colour=red", "limit=1&limit=2"]) {
      expectProblem(await rest.request("GET", `/jobs?${query}`, { key }), 400, "VALIDATION_ERROR");
    }
  });

  it("POST /jobs/{id}/cancel → 200 and a refund; again → 409 JOB_NOT_CANCELLABLE; another user's → 404", async () => {
    const { user, key } = await signedUpKey(100);
    const created = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 2 }) });
    const id = String(created.json.id);
    const stranger = await signedUpKey();
    expectProblem(await rest.request("POST", `/jobs/${id}/cancel`, { key: stranger.key }), 404, "NOT_FOUND");

    const cancelled = await rest.request("POST", `/jobs/${id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    expect(jobResource.parse(cancelled.json)).toMatchObject({ id, status: "CANCELLED", refundedAmount: 4 });
    expect((await accountState(user.id)).balance).toBe(100);
    expectProblem(await rest.request("POST", `/jobs/${id}/cancel`, { key }), 409, "JOB_NOT_CANCELLABLE");
    // A body, if any, is an empty JSON object.
    expectProblem(await rest.request("POST", `/jobs/${id}/cancel`, { key, body: { reason: "x" } }), 400, "VALIDATION_ERROR");
    await expectConserved(user.id, expect);
  });

  it("GET /balance and GET /ledger (cursor pages) answer the statement functions", async () => {
    const { key } = await signedUpKey(100);
    await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 2 }) });
    // Exactly the documented fields, nothing more.
    const balance = (await rest.request("GET", "/balance", { key })).json;
    expect(balance).toEqual(balanceResource.parse(balance));
    expect(balance).toEqual({ available: 96, reserved: 4, activeJobs: 1, expiringSoon: null });

    const first = ledgerPageResource.parse((await rest.request("GET", "/ledger?limit=1", { key })).json);
    expect(first.items[0]).toMatchObject({ kind: "CHARGE", amount: -4 });
    expect(first.nextCursor).not.toBeNull();
    const second = ledgerPageResource.parse((await rest.request("GET", `/ledger?limit=1&cursor=${first.nextCursor}`, { key })).json);
    expect(second.items[0]).toMatchObject({ kind: "GRANT", amount: 100 });
    expectProblem(await rest.request("GET", "/ledger?cursor=99999999999999999999", { key }), 400, "VALIDATION_ERROR");
  });

  it("POST /jobs failures: field errors, unknown model, unknown field, 402 with requiredCredits; nothing charged", async () => {
    const { user, key } = await signedUpKey(3);
    const post = (body: unknown) => rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body });
    expect(expectProblem(await post(restJobBody({ outputs: 0 })), 400, "VALIDATION_ERROR").fieldErrors).toHaveProperty("outputs");
    expect(expectProblem(await post(restJobBody({ prompt: "   " })), 400, "VALIDATION_ERROR").fieldErrors).toHaveProperty("prompt");
    expect(expectProblem(await post(restJobBody({ modelId: "nope" })), 400, "VALIDATION_ERROR").fieldErrors).toHaveProperty("modelId");
    expect(expectProblem(await post({ ...restJobBody(), idempotencyKey: randomUUID() }), 400, "VALIDATION_ERROR").fieldErrors)
      .toHaveProperty("idempotencyKey");
    expectProblem(await post([1, 2]), 400, "VALIDATION_ERROR");
    const poor = expectProblem(await post(restJobBody({ outputs: 2 })), 402, "INSUFFICIENT_CREDITS");
    expect(poor).toMatchObject({ requiredCredits: 1, availableCredits: 3 });
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
    expect((await accountState(user.id)).balance).toBe(3);
  });

  it("429 RATE_LIMIT_EXCEEDED carries Retry-After and retryAfterSeconds; MAX_ACTIVE_JOBS too", async () => {
    const { key } = await signedUpKey(100);
    for (let index = 0; index < 2; index++) {
      expect((await limited.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 1 }) })).status).toBe(201);
    }
    const refused = await limited.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 1 }) });
    const problem = expectProblem(refused, 429, "RATE_LIMIT_EXCEEDED");
    expect(problem.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.headers.get("retry-after")).toBe(String(problem.retryAfterSeconds));

    const other = await signedUpKey(100);
    expect((await fewActive.request("POST", "/jobs", { key: other.key, idempotencyKey: randomUUID(), body: restJobBody() })).status).toBe(201);
    const busy = await fewActive.request("POST", "/jobs", { key: other.key, idempotencyKey: randomUUID(), body: restJobBody() });
    expectProblem(busy, 429, "MAX_ACTIVE_JOBS");
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("HTTP-level problems: unknown route 404, wrong method 405 with Allow, 415, malformed JSON 400, no body 400, too large 413", async () => {
    const { user, key } = await signedUpKey();
    expectProblem(await rest.request("GET", "/teleport", { key }), 404, "NOT_FOUND");
    expectProblem(await rest.request("GET", "/jobs/x/y/z", { key }), 404, "NOT_FOUND");
    const wrongMethod = await rest.request("DELETE", "/jobs", { key });
    expectProblem(wrongMethod, 405, "VALIDATION_ERROR");
    expect(wrongMethod.headers.get("allow")).toBe("POST, GET");
    expect((await rest.request("PUT", `/jobs/${randomUUID()}/cancel`, { key })).headers.get("allow")).toBe("POST");

    const headers = { "idempotency-key": randomUUID() };
    expectProblem(await rest.request("POST", "/jobs", { key, headers: { ...headers, "content-type": "text/plain" }, rawBody: "hello" }), 415, "VALIDATION_ERROR");
    expectProblem(await rest.request("POST", "/jobs", { key, headers: { ...headers, "content-type": "application/json" }, rawBody: "{not json" }), 400, "VALIDATION_ERROR");
    expectProblem(await rest.request("POST", "/jobs", { key, headers }), 400, "VALIDATION_ERROR");
    const huge = JSON.stringify({ ...restJobBody(), prompt: "x".repeat(bodyBytesMax) });
    expectProblem(await rest.request("POST", "/jobs", { key, headers: { ...headers, "content-type": "application/json" }, rawBody: huge }), 413, "VALIDATION_ERROR");
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("an unexpected failure → 500 INTERNAL with a generic detail and nothing internal", async () => {
    const { key } = await signedUpKey();
    await db.$executeRawUnsafe(`ALTER TABLE job RENAME TO job_hidden_for_rest_test`);
    try {
      const response = await rest.request("GET", "/jobs", { key });
      const problem = expectProblem(response, 500, "INTERNAL");
      expect(problem.detail).toBe("Something went wrong.");
      expect(response.text).not.toContain("job_hidden_for_rest_test");
    } finally {
      await db.$executeRawUnsafe(`ALTER TABLE job_hidden_for_rest_test RENAME TO job`);
    }
  });
});
