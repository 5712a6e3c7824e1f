import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { problemResource } from "~/server/rest/resources";

import { createUser, db, expectConserved, type TestUser } from "../helpers";
import { keyFor, serveRest } from "../fixtures/rest";

// Hostile requests to the REST API — random paths, methods, headers, query
// strings and bodies, with a valid key, a read-only one, a revoked one or
// none — get either a success or a 4xx problem document: never a 5xx, never
// a body that is not problem+json, and the books always balance.

const runs = Number(process.env.FUZZ_RUNS ?? 150);
const seed = Number(process.env.FUZZ_SEED ?? 20_261_130);

const rest = await serveRest();
afterAll(() => rest.close());

let user: TestUser;
let keys: (string | undefined)[];
beforeAll(async () => {
  user = await createUser({ balance: 1_000 });
  const revoked = await keyFor(user);
  await db.apiKey.updateMany({ where: { workspaceId: user.id }, data: { revokedAt: new Date() } });
  keys = [await keyFor(user), await keyFor(user, ["jobs:read"]), revoked, undefined, "cw_live_garbage"];
});

const jobIdLike = fc.oneof(fc.uuid(), fc.constant("not-a-uuid"), fc.constant("00000000-0000-0000-0000-000000000000"), fc.string({ maxLength: 40 }));
const path = fc.oneof(
  fc.constantFrom("/jobs", "/balance", "/ledger", "/openapi.json", "/", "", "/admin/stats", "/jobs/", "/JOBS"),
  jobIdLike.map((id) => `/jobs/${encodeURIComponent(id)}`),
  jobIdLike.map((id) => `/jobs/${encodeURIComponent(id)}/cancel`),
  fc.webPath(),
);
const query = fc.oneof(
  fc.constant(""),
  fc.dictionary(
    fc.constantFrom("limit", "cursor", "status", "x", "limit "),
    fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom("PENDING", "-1", "1e3", "99999999999999999999")),
    { maxKeys: 3 },
  ).map((entries) => `?${new URLSearchParams(entries).toString()}`),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.record({
    modelId: fc.oneof(fc.constantFrom("storyteller-v1", "canvas-v1"), fc.string({ maxLength: 70 })),
    prompt: fc.oneof(fc.string({ maxLength: 2_100 }), fc.constant("a\u0000b"), fc.constant("#fail")),
    outputs: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double(), fc.constant("2")),
  }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);
const headerValue = fc.string({ maxLength: 300 }).filter((value) => /^[\x20-\x7e]*$/.test(value) && value.trim() === value);
const request = fc.record({
  method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
  path,
  query,
  body,
  keyIndex: fc.nat({ max: 4 }),
  contentType: fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
  idempotencyKey: fc.option(fc.oneof(fc.uuid(), headerValue), { nil: undefined }),
  authorization: fc.option(headerValue, { nil: undefined }),
});

describe("REST fuzz", () => {
  it(`${runs} random requests → only successes or 4xx problem documents`, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const key = keys[input.keyIndex];
        const headers: Record<string, string> = {};
        if (input.contentType !== undefined) headers["content-type"] = input.contentType;
        if (input.authorization !== undefined && input.keyIndex === 3) headers.authorization = input.authorization;
        const response = await rest.request(input.method, `${input.path}${input.query}`, {
          key, headers, idempotencyKey: input.idempotencyKey, rawBody: input.method === "GET" ? undefined : input.body,
        });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.contentType).toContain("application/problem+json");
          const problem = problemResource.parse(response.json);
          expect(problem.status).toBe(response.status);
          expect(response.text).not.toMatch(/prisma|invocation|node_modules|\.ts:\d+|at async/i);
        } else {
          expect(response.contentType).toContain("application/json");
        }
      }),
      { numRuns: runs, seed },
    );
    // Every credit the fuzzed requests spent is explained by the ledger, and
    // only the jobs they created were charged.
    await expectConserved(user.id, expect);
    const charged = await db.ledgerEntry.aggregate({ where: { workspaceId: user.id, kind: "CHARGE" }, _sum: { amount: true } });
    const jobsCost = await db.job.aggregate({ where: { workspaceId: user.id }, _sum: { totalCost: true } });
    expect(0 - (charged._sum.amount ?? 0)).toBe(jobsCost._sum.totalCost ?? 0);
  });
});
