import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { callerFor, createUser, db, jobRequest, type TestUser } from "../helpers";
import { procedureError } from "../fixtures/errors";

// SPEC §4 VALIDATION_ERROR: bad input on every procedure → HTTP 400 with
// data.appCode VALIDATION_ERROR (and field errors), and nothing written.
// (The same over real HTTP: e2e/api.spec.ts.)

type Case = { name: string; call: () => Promise<unknown>; field?: string };

async function rowCounts() {
  const [jobs, entries, audits, outputs] = await Promise.all([
    db.job.count(), db.ledgerEntry.count(), db.adminAudit.count(), db.jobOutput.count(),
  ]);
  return { jobs, entries, audits, outputs };
}

async function expectAllInvalid(cases: Case[]) {
  const before = await rowCounts();
  for (const testCase of cases) {
    const data = await procedureError(testCase.call());
    expect(data.appCode, testCase.name).toBe("VALIDATION_ERROR");
    expect(data.httpStatus, testCase.name).toBe(400);
    expect(data.code, testCase.name).toBe("BAD_REQUEST");
    if (testCase.field) expect(Object.keys(data.fieldErrors ?? {}), testCase.name).toContain(testCase.field);
  }
  expect(await rowCounts()).toEqual(before);
}

function createCases(user: TestUser): Case[] {
  const jobs = callerFor(user).jobs;
  const bad = (name: string, field: string, overrides: Record<string, unknown>): Case => ({
    name, field, call: () => jobs.create({ ...jobRequest(), ...overrides }),
  });
  const { idempotencyKey: _key, ...withoutKey } = jobRequest();
  return [
    bad("key not a UUID", "idempotencyKey", { idempotencyKey: "not-a-uuid" }),
    bad("key a UUID v1", "idempotencyKey", { idempotencyKey: "c232ab00-9414-11ec-b3c8-9f68deced846" }),
    bad("key the nil UUID", "idempotencyKey", { idempotencyKey: "00000000-0000-0000-0000-000000000000" }),
    bad("key a number", "idempotencyKey", { idempotencyKey: 42 }),
    { name: "key missing", field: "idempotencyKey", call: () => jobs.create(withoutKey as never) },
    bad("unknown model", "modelId", { modelId: "gpt-17-ultra" }),
    bad("empty model", "modelId", { modelId: "" }),
    bad("empty prompt", "prompt", { prompt: "" }),
    bad("blank prompt", "prompt", { prompt: "   \n\t " }),
    bad("prompt too long", "prompt", { prompt: "x".repeat(2001) }),
    bad("prompt with a NUL character", "prompt", { prompt: "a\u0000b" }),
    bad("outputs 0", "outputs", { outputs: 0 }),
    bad("outputs 5", "outputs", { outputs: 5 }),
    bad("outputs -1", "outputs", { outputs: -1 }),
    bad("outputs 1.5", "outputs", { outputs: 1.5 }),
    bad("outputs \"2\"", "outputs", { outputs: "2" }),
    bad("outputs NaN", "outputs", { outputs: Number.NaN }),
    { name: "no input at all", call: () => jobs.create(undefined as never) },
  ];
}

describe("bad input → VALIDATION_ERROR, nothing written", () => {
  it("jobs.create", async () => {
    const user = await createUser({ balance: 100 });
    await expectAllInvalid(createCases(user));
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("jobs.get, jobs.cancel and jobs.list", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    const jobs = callerFor(user).jobs;
    await expectAllInvalid([
      { name: "get: not a uuid", field: "id", call: () => jobs.get({ id: "123" }) },
      { name: "get: missing id", field: "id", call: () => jobs.get({} as never) },
      { name: "get: uuid with junk", field: "id", call: () => jobs.get({ id: `${job.id}x` }) },
      { name: "cancel: not a uuid", field: "id", call: () => jobs.cancel({ id: "'; DROP TABLE job; --" }) },
      { name: "cancel: number", field: "id", call: () => jobs.cancel({ id: 7 as never }) },
      { name: "list: bad cursor", field: "cursor", call: () => jobs.list({ cursor: "abc" }) },
      { name: "list: unknown status", field: "status", call: () => jobs.list({ status: "DONE" as never }) },
      { name: "list: limit 0", field: "limit", call: () => jobs.list({ limit: 0 }) },
      { name: "list: limit 101", field: "limit", call: () => jobs.list({ limit: 101 }) },
      { name: "list: limit 1.5", field: "limit", call: () => jobs.list({ limit: 1.5 }) },
    ]);
    expect((await jobs.get({ id: job.id })).status).toBe("PENDING");
  });

  it("credits.ledger", async () => {
    const user = await createUser({ balance: 100 });
    const credits = callerFor(user).credits;
    await expectAllInvalid([
      { name: "cursor letters", field: "cursor", call: () => credits.ledger({ cursor: "abc" }) },
      { name: "cursor negative", field: "cursor", call: () => credits.ledger({ cursor: "-1" }) },
      { name: "cursor decimal", field: "cursor", call: () => credits.ledger({ cursor: "1.5" }) },
      { name: "cursor beyond bigint", field: "cursor", call: () => credits.ledger({ cursor: "9999999999999999999" }) },
      { name: "limit 0", field: "limit", call: () => credits.ledger({ limit: 0 }) },
    ]);
    expect((await credits.ledger({ cursor: "9223372036854775807" })).items).toHaveLength(1);
  });

  it("admin.adjustCredits, admin.stats and admin.users", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 100 });
    const adminCaller = callerFor(admin).admin;
    const adjust = (overrides: Record<string, unknown>) =>
      adminCaller.adjustCredits({ userId: user.id, amount: 10, reason: "Support credit", idempotencyKey: randomUUID(), ...overrides });
    await expectAllInvalid([
      { name: "amount 0", field: "amount", call: () => adjust({ amount: 0 }) },
      { name: "amount 2.5", field: "amount", call: () => adjust({ amount: 2.5 }) },
      { name: "amount \"10\"", field: "amount", call: () => adjust({ amount: "10" }) },
      { name: "amount too large", field: "amount", call: () => adjust({ amount: 2_000_000 }) },
      { name: "reason missing", field: "reason", call: () => adjust({ reason: undefined }) },
      { name: "reason too short", field: "reason", call: () => adjust({ reason: "  a " }) },
      { name: "reason with a NUL character", field: "reason", call: () => adjust({ reason: "Support\u0000credit" }) },
      { name: "key not v4", field: "idempotencyKey", call: () => adjust({ idempotencyKey: "abc" }) },
      { name: "user id missing", field: "userId", call: () => adjust({ userId: "" }) },
      { name: "stats hours 0", field: "hours", call: () => adminCaller.stats({ hours: 0 }) },
      { name: "users limit 0", field: "limit", call: () => adminCaller.users({ limit: 0 }) },
    ]);
    expect((await callerFor(user).credits.summary()).available).toBe(100);
  });
});
