import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { jobKeyOfRestKey, purgeExpiredIdempotency } from "~/server/rest/idempotency";

import { accountState, callerFor, createUser, db, expectConserved, jobRequest } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { procedureError } from "../fixtures/errors";
import { keyFor, restJobBody, serveRest } from "../fixtures/rest";
import { money } from "~/server/money";

// SPEC §8 idempotency on the wire (IETF Idempotency-Key draft): a POST
// without the header is refused; the same key and body replay the stored
// response — the original status and body, even after the job moved on —
// with Idempotent-Replayed: true; another body is 422; concurrent
// duplicates create one job and are answered as replays.

const rest = await serveRest();
afterAll(() => rest.close());

async function account(balance = 100) {
  const user = await createUser({ balance });
  return { user, key: await keyFor(user) };
}

describe("Idempotency-Key on POST /jobs", () => {
  it("no Idempotency-Key → 400; an invalid one → 400; nothing charged", async () => {
    const { user, key } = await account();
    const missing = await rest.request("POST", "/jobs", { key, body: restJobBody() });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: "VALIDATION_ERROR", fieldErrors: { "Idempotency-Key": ["Required."] } });
    for (const bad of ["", "a b", "x".repeat(256), "caf\u00e9", 'in"side']) {
      const response = await rest.request("POST", "/jobs", { key, idempotencyKey: bad, body: restJobBody() });
      expect(response.status).toBe(400);
      expect(response.json.code).toBe("VALIDATION_ERROR");
    }
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
    expect((await accountState(user.id)).balance).toBe(100);
  });

  it("a replay after the job was cancelled returns the ORIGINAL 201 and body with Idempotent-Replayed: true", async () => {
    const { user, key } = await account();
    const idempotencyKey = randomUUID();
    const first = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody({ outputs: 3 }) });
    expect(first.status).toBe(201);
    expect(first.json.status).toBe("PENDING");
    const cancelled = await rest.request("POST", `/jobs/${String(first.json.id)}/cancel`, { key });
    expect(cancelled.json.status).toBe("CANCELLED");

    // Keys in another order and a prompt with the spaces the schema trims: the same request.
    const replay = await rest.request("POST", "/jobs", {
      key, idempotencyKey, body: { outputs: 3, prompt: "  A lighthouse keeper's cat ", modelId: "storyteller-v1" },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(first.json);
    expect(replay.json.status).toBe("PENDING");
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(1);
    await expectConserved(user.id, expect);
  });

  it("a replay repeats the original's headers (Location) and its very bytes, sequential or concurrent", async () => {
    const { key } = await account();
    const idempotencyKey = randomUUID();
    const first = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody() });
    expect(first.status).toBe(201);
    const location = first.headers.get("location");
    expect(location).toBe(`/api/v1/jobs/${String(first.json.id)}`);
    const replay = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody() });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("location")).toBe(location);
    expect(replay.text).toBe(first.text);

    // Duplicates racing the first are answered from what it stored: the same bytes and Location.
    const racingKey = randomUUID();
    const racing = await all(times(5), () => rest.request("POST", "/jobs", { key, idempotencyKey: racingKey, body: restJobBody({ outputs: 1 }) }));
    const original = racing.find((response) => response.headers.get("idempotent-replayed") === null)!;
    for (const response of racing) {
      expect(response.text).toBe(original.text);
      expect(response.headers.get("location")).toBe(`/api/v1/jobs/${String(original.json.id)}`);
    }

    // A cancel's stored 200 replays byte for byte too.
    const cancelKey = randomUUID();
    const cancelled = await rest.request("POST", `/jobs/${String(first.json.id)}/cancel`, { key, idempotencyKey: cancelKey });
    const cancelReplay = await rest.request("POST", `/jobs/${String(first.json.id)}/cancel`, { key, idempotencyKey: cancelKey });
    expect(cancelReplay.headers.get("idempotent-replayed")).toBe("true");
    expect(cancelReplay.text).toBe(cancelled.text);
  });

  it("the same key with another body → 422 IDEMPOTENCY_KEY_REUSED, nothing charged", async () => {
    const { user, key } = await account();
    const idempotencyKey = randomUUID();
    await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody({ outputs: 2 }) });
    const before = await accountState(user.id);
    for (const changed of [{ outputs: 3 }, { prompt: "something else" }, { modelId: "canvas-v1" }]) {
      const response = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody(changed) });
      expect(response.status).toBe(422);
      expect(response.contentType).toContain("application/problem+json");
      expect(response.json.code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    // The same key on another route is another request too.
    const onCancel = await rest.request("POST", `/jobs/${randomUUID()}/cancel`, { key, idempotencyKey });
    expect(onCancel.status).toBe(422);
    expect((await accountState(user.id)).entries).toHaveLength(before.entries.length);
  });

  it("20 concurrent POST /jobs with one key → one job, one CHARGE, 19 replays with the same status and body", async () => {
    const { user, key } = await account(100);
    const idempotencyKey = randomUUID();
    const body = restJobBody({ outputs: 3 });
    const responses = await all(times(20), () => rest.request("POST", "/jobs", { key, idempotencyKey, body }));

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    const replays = responses.filter((response) => response.headers.get("idempotent-replayed") === "true");
    expect(replays).toHaveLength(19);
    const original = responses.find((response) => response.headers.get("idempotent-replayed") === null)!;
    for (const replay of replays) expect(replay.json).toEqual(original.json);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(1);
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(1);
    expect(await db.apiIdempotency.count({ where: { workspaceId: user.id } })).toBe(1);
    expect((await accountState(user.id)).balance).toBe(94);
    await expectConserved(user.id, expect);
  });

  it("refusals are not stored: a 402 retried with the same key creates the job once the account has credits", async () => {
    const user = await createUser({ balance: 1 });
    const key = await keyFor(user);
    const idempotencyKey = randomUUID();
    expect((await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody({ outputs: 1 }) })).status).toBe(402);
    expect(await db.apiIdempotency.count({ where: { workspaceId: user.id } })).toBe(0);
    await money.moveCredits(db, {
      workspaceId: user.id, amount: 10, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Top-up", idempotencyKey: `top-up:${user.id}`,
    });
    const retried = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody({ outputs: 1 }) });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(1);
  });

  it("the stored response and the job commit together: every REST-created job has its stored response", async () => {
    const { user, key } = await account(100);
    const idempotencyKey = randomUUID();
    const created = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody() });
    const stored = await db.apiIdempotency.findUniqueOrThrow({ where: { workspaceId_userId_key: { workspaceId: user.id, userId: user.id, key: idempotencyKey } } });
    expect(stored.statusCode).toBe(201);
    expect(stored.responseText).toBe(created.text);
    expect(stored.responseHeaders).toEqual({ location: `/api/v1/jobs/${String(created.json.id)}` });
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
    const job = await db.job.findUniqueOrThrow({ where: { id: String(created.json.id) } });
    expect(job.idempotencyKey).toBe(jobKeyOfRestKey(idempotencyKey));
  });

  it("REST keys live in their own namespace: tRPC cannot name an api: key, and one value in both creates two jobs", async () => {
    const { user, key } = await account(100);
    const shared = randomUUID();
    const viaRest = await rest.request("POST", "/jobs", { key, idempotencyKey: shared, body: restJobBody() });
    const viaWeb = await callerFor(user).jobs.create(jobRequest({ idempotencyKey: shared }));
    expect(viaWeb.replayed).toBe(false);
    expect(viaWeb.job.id).not.toBe(viaRest.json.id);
    const namespaced = await procedureError(callerFor(user).jobs.create(jobRequest({ idempotencyKey: jobKeyOfRestKey(shared) })));
    expect(namespaced.appCode).toBe("VALIDATION_ERROR");
  });

  it("an expired stored response is purged; the key still cannot create a second job (the job keeps it)", async () => {
    const { user, key } = await account(100);
    const idempotencyKey = randomUUID();
    const first = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody() });
    await db.$executeRaw`
      UPDATE api_idempotency SET created_at = created_at - interval '2 days', expires_at = expires_at - interval '2 days'
      WHERE workspace_id = ${user.id}`;
    expect(await purgeExpiredIdempotency(db)).toBeGreaterThanOrEqual(1);
    expect(await db.apiIdempotency.count({ where: { workspaceId: user.id } })).toBe(0);

    const late = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody() });
    expect(late.status).toBe(200);
    expect(late.headers.get("idempotent-replayed")).toBe("true");
    expect(late.json.id).toBe(first.json.id);
    const reused = await rest.request("POST", "/jobs", { key, idempotencyKey, body: restJobBody({ outputs: 1 }) });
    expect(reused.status).toBe(422);
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(1);
  });

  it("POST /jobs/{id}/cancel with an Idempotency-Key replays its 200", async () => {
    const { key } = await account(100);
    const created = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody() });
    const cancelKey = randomUUID();
    const path = `/jobs/${String(created.json.id)}/cancel`;
    const first = await rest.request("POST", path, { key, idempotencyKey: cancelKey });
    expect(first.status).toBe(200);
    const again = await rest.request("POST", path, { key, idempotencyKey: cancelKey });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    // Without a key, the cancel is simply not repeatable.
    expect((await rest.request("POST", path, { key })).status).toBe(409);
  });
});
