import { afterAll, describe, expect, it } from "vitest";

import trpcHandler from "~/pages/api/trpc/[trpc]";
import { deleteAccount } from "~/server/account/delete-account";
import { hashApiKeySecret, lastUsedWriteIntervalMs } from "~/server/api-keys/keys";

import { callerFor, createUser, db } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { servePagesApi } from "../fixtures/pages-api";
import { keyFor, serveRest } from "../fixtures/rest";

// SPEC §8 API keys: only a hash is stored, the secret is shown once, scopes
// hold, a revoked key fails on its very next request, and a key — even an
// admin's — never reaches admin procedures (tRPC reads sessions only).

const rest = await serveRest();
const trpc = await servePagesApi(trpcHandler as never, "/api/trpc", "trpc");
afterAll(async () => {
  await rest.close();
  await trpc.close();
});

describe("API keys", () => {
  it("apiKeys.create returns the secret once; the database holds only its SHA-256, and the list shows the prefix", async () => {
    const user = await createUser();
    const created = await callerFor(user).apiKeys.create({ name: "  CI runner ", scopes: ["jobs:read", "jobs:write"] });
    expect(created.secret).toMatch(/^cw_live_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.secret.startsWith(created.key.prefix)).toBe(true);
    expect(created.key).toMatchObject({ name: "CI runner", scopes: ["jobs:read", "jobs:write"], revokedAt: null, lastUsedAt: null });
    expect(created.key).not.toHaveProperty("secretHash");

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.key.id } });
    expect(row.secretHash).toBe(hashApiKeySecret(created.secret));
    // Nowhere in the table is the secret (or its random part) stored.
    const dump = await db.$queryRaw<{ text: string }[]>`SELECT row_to_json(k)::text AS text FROM api_key k`;
    const secretPart = created.secret.slice(created.key.prefix.length + 1);
    for (const { text } of dump) {
      expect(text).not.toContain(created.secret);
      expect(text).not.toContain(secretPart);
    }

    const listed = await callerFor(user).apiKeys.list();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(secretPart);
    expect(listed[0]).not.toHaveProperty("secretHash");
  });

  it("create is validated: a name, at least one known scope, each once", async () => {
    const caller = callerFor(await createUser());
    expect((await procedureError(caller.apiKeys.create({ name: " ", scopes: ["jobs:read"] }))).fieldErrors).toHaveProperty("name");
    expect((await procedureError(caller.apiKeys.create({ name: "k", scopes: [] }))).fieldErrors).toHaveProperty("scopes");
    expect((await procedureError(caller.apiKeys.create({ name: "k", scopes: ["admin" as never] }))).appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError(caller.apiKeys.create({ name: "k", scopes: ["jobs:read", "jobs:read"] }))).appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError(callerFor(null).apiKeys.list())).appCode).toBe("UNAUTHORIZED");
  });

  it("a revoked key gets 401 on its very next request; another user cannot revoke it", async () => {
    const user = await createUser({ balance: 10 });
    const created = await callerFor(user).apiKeys.create({ name: "k", scopes: ["credits:read"] });
    expect((await rest.request("GET", "/balance", { key: created.secret })).status).toBe(200);

    const stranger = await createUser();
    expect((await procedureError(callerFor(stranger).apiKeys.revoke({ id: created.key.id }))).appCode).toBe("NOT_FOUND");
    expect((await rest.request("GET", "/balance", { key: created.secret })).status).toBe(200);

    const revoked = await callerFor(user).apiKeys.revoke({ id: created.key.id });
    expect(revoked.revokedAt).not.toBeNull();
    const after = await rest.request("GET", "/balance", { key: created.secret });
    expect(after.status).toBe(401);
    expect(after.contentType).toContain("application/problem+json");
    expect(after.json).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect(after.headers.get("www-authenticate")).toContain("Bearer");
    // Revoking again keeps the first revocation time.
    expect((await callerFor(user).apiKeys.revoke({ id: created.key.id })).revokedAt).toEqual(revoked.revokedAt);
  });

  it("no key, a malformed one, an unknown one → 401 problem", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Basic abc" }, { authorization: "Bearer nope" }, { authorization: `Bearer cw_live_AAAAAAAA_${"A".repeat(43)}` }]) {
      const response = await rest.request("GET", "/jobs", { headers });
      expect(response.status).toBe(401);
      expect(response.json.code).toBe("UNAUTHORIZED");
    }
  });

  it("scopes: a key without the route's scope → 403 naming the missing scope, and nothing happens", async () => {
    const user = await createUser({ balance: 50 });
    const readOnly = await keyFor(user, ["jobs:read"]);
    const create = await rest.request("POST", "/jobs", {
      key: readOnly, idempotencyKey: crypto.randomUUID(), body: { modelId: "storyteller-v1", prompt: "x", outputs: 1 },
    });
    expect(create.status).toBe(403);
    expect(create.json).toMatchObject({ code: "FORBIDDEN", requiredScope: "jobs:write" });
    expect(create.json.detail).toContain("jobs:write");
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);

    const balance = await rest.request("GET", "/balance", { key: readOnly });
    expect(balance.status).toBe(403);
    expect(balance.json).toMatchObject({ code: "FORBIDDEN", requiredScope: "credits:read" });
    expect((await rest.request("GET", "/jobs", { key: readOnly })).status).toBe(200);
  });

  it("an admin's key never reaches admin procedures: tRPC answers 401 to a bearer key, REST /admin is 403", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const key = await keyFor(admin);
    const stats = await fetch(`${trpc.baseUrl}/api/trpc/admin.stats?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(stats.status).toBe(401);
    const adjust = await fetch(`${trpc.baseUrl}/api/trpc/admin.adjustCredits`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ json: { userId: admin.id, amount: 1_000, reason: "self-grant", idempotencyKey: crypto.randomUUID() } }),
    });
    expect(adjust.status).toBe(401);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: admin.id } })).balance).toBe(0);

    for (const path of ["/admin", "/admin/stats", "/admin/users"]) {
      const response = await rest.request("GET", path, { key });
      expect(response.status).toBe(403);
      expect(response.json.code).toBe("FORBIDDEN");
    }
  });

  it("last_used_at is written on first use, then at most once a minute", async () => {
    const user = await createUser();
    const created = await callerFor(user).apiKeys.create({ name: "k", scopes: ["jobs:read"] });
    await rest.request("GET", "/jobs", { key: created.secret });
    const first = (await db.apiKey.findUniqueOrThrow({ where: { id: created.key.id } })).lastUsedAt;
    expect(first).not.toBeNull();
    await Promise.all(Array.from({ length: 5 }, () => rest.request("GET", "/jobs", { key: created.secret })));
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: created.key.id } })).lastUsedAt).toEqual(first);

    // A minute later (moved back in the database), the next request writes it again.
    await db.$executeRaw`UPDATE api_key SET last_used_at = last_used_at - make_interval(secs => ${lastUsedWriteIntervalMs / 1000 + 1}) WHERE id = ${created.key.id}::uuid`;
    const moved = (await db.apiKey.findUniqueOrThrow({ where: { id: created.key.id } })).lastUsedAt!;
    await rest.request("GET", "/jobs", { key: created.secret });
    const later = (await db.apiKey.findUniqueOrThrow({ where: { id: created.key.id } })).lastUsedAt!;
    expect(later.getTime()).toBeGreaterThan(moved.getTime() + lastUsedWriteIntervalMs);
  });

  it("a deleted account's keys stop working", async () => {
    const user = await createUser();
    const key = await keyFor(user);
    expect((await rest.request("GET", "/jobs", { key })).status).toBe(200);
    await db.account.create({ data: { id: crypto.randomUUID(), accountId: user.id, providerId: "credential", userId: user.id, password: "hash" } });
    await deleteAccount(db, user.id, "password", async () => true);
    expect((await rest.request("GET", "/jobs", { key })).status).toBe(401);
    expect(await db.apiKey.count({ where: { workspaceId: user.id, revokedAt: null } })).toBe(0);
  });
});
