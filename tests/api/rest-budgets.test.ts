import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { createApiKey } from "~/server/api-keys/keys";
import { money } from "~/server/money";
import { problemResource } from "~/server/rest/resources";

import { createUser, db, type TestUser } from "../helpers";
import { allScopes, restJobBody, serveRest } from "../fixtures/rest";

// SPEC §9 through the REST API: a key's budget refuses the job that would go
// over it with a 402 problem of its own type (BUDGET_EXCEEDED) naming the
// budget, what is left and when it resets, and charges nothing; the same
// account's other key, which has no budget, is not limited by it.
// storyteller-v1 costs 2 credits per output: a 1-output job costs 2.

const rest = await serveRest();
afterAll(() => rest.close());

async function keyOf(user: TestUser, name: string) {
  const { key, secret } = await createApiKey(db, user.id, { name, scopes: allScopes });
  return { id: key.id, secret };
}

function createOne(secret: string, idempotencyKey: string = randomUUID()) {
  return rest.request("POST", "/jobs", { key: secret, idempotencyKey, body: restJobBody({ outputs: 1 }) });
}

function ledgerOf(userId: string) {
  return db.ledgerEntry.findMany({ where: { workspaceId: userId }, orderBy: { id: "asc" } });
}

describe("BUDGET_EXCEEDED over REST", () => {
  it("a key's TOTAL budget of 4: two 1-output jobs, then a 402 problem naming the budget, nothing charged; another key is unaffected", async () => {
    const user = await createUser({ balance: 100 });
    const limited = await keyOf(user, "limited");
    const free = await keyOf(user, "free");
    const budget = await money.setBudget(db, {
      workspaceId: user.id, actorUserId: user.id, scope: "API_KEY", apiKeyId: limited.id, period: "TOTAL", limitCredits: 4, timeZone: "UTC",
    });

    expect((await createOne(limited.secret)).status).toBe(201);
    expect((await createOne(limited.secret)).status).toBe(201);
    const ledger = await ledgerOf(user.id);
    const refusedKey = randomUUID();
    const refused = await createOne(limited.secret, refusedKey);

    expect(refused.status).toBe(402);
    expect(refused.contentType).toContain("application/problem+json");
    // Parsed with the schema the OpenAPI document is generated from: a
    // field it does not declare would be stripped here.
    const problem = problemResource.parse(refused.json);
    expect(problem).toMatchObject({ type: "/docs/api#problem-budget-exceeded", title: "This would go over a budget.", status: 402, code: "BUDGET_EXCEEDED" });
    expect(problem.budget).toEqual({
      id: budget.id.toString(), scope: "API_KEY", period: "TOTAL", apiKeyId: limited.id,
      limitCredits: 4, spentCredits: 4, remainingCredits: 0, resetsAt: null,
    });
    expect(problem.detail).toContain("this API key's budget: 0 of 4 credits left");

    // Nothing charged, no job, no stored response for the refused key.
    expect(await ledgerOf(user.id)).toEqual(ledger);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(2);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(96);

    // The same account's key without a budget still spends.
    const other = await createOne(free.secret);
    expect(other.status).toBe(201);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(94);

    // The refusal was not stored: once the limit is raised, the same
    // Idempotency-Key creates the job.
    await money.setBudget(db, {
      workspaceId: user.id, actorUserId: user.id, scope: "API_KEY", apiKeyId: limited.id, period: "TOTAL", limitCredits: 6, timeZone: "UTC",
    });
    const retried = await createOne(limited.secret, refusedKey);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
  });

  it("an account's monthly budget applies to every key, and says when it resets", async () => {
    const user = await createUser({ balance: 100 });
    const key = await keyOf(user, "any");
    await money.setBudget(db, {
      workspaceId: user.id, actorUserId: user.id, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 3, timeZone: "UTC",
    });
    expect((await createOne(key.secret)).status).toBe(201);
    const refused = await createOne(key.secret);
    expect(refused.status).toBe(402);
    const problem = problemResource.parse(refused.json);
    const now = new Date();
    expect(problem.budget).toMatchObject({
      scope: "ACCOUNT", period: "MONTH", apiKeyId: null, limitCredits: 3, spentCredits: 2, remainingCredits: 1,
      resetsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    });
  });
});
