import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { runJob } from "~/server/jobs/run";

import { accountState, callerFor, createUser, db, expectConserved, jobRequest, workerDeps } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { procedureError } from "../fixtures/errors";

// SPEC §3.6 Idempotency: same (user, key) + same request → the original job,
// replayed: true, nothing charged; other request → IDEMPOTENCY_KEY_REUSED;
// N concurrent requests with one key → one job. Admin grants too.

describe("§3.6 idempotency", () => {
  it("20 concurrent jobs.create with one key → one job, one charge, 19 replays naming it", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const request = jobRequest({ outputs: 3 });
    const responses = await all(times(20), () => caller.jobs.create(request));

    const ids = new Set(responses.map((r) => r.job.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.replayed)).toHaveLength(19);
    expect(responses.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(1);
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(1);
    expect((await accountState(user.id)).balance).toBe(94);
    await expectConserved(user.id, expect);
  });

  it("the same key with another prompt, model or output count → IDEMPOTENCY_KEY_REUSED, nothing charged", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const request = jobRequest({ outputs: 2 });
    await caller.jobs.create(request);
    const before = await accountState(user.id);
    for (const changed of [{ prompt: "something else" }, { modelId: "canvas-v1" }, { outputs: 3 }]) {
      const data = await procedureError(caller.jobs.create({ ...request, ...changed }));
      expect(data.appCode).toBe("IDEMPOTENCY_KEY_REUSED");
      expect(data.httpStatus).toBe(422);
    }
    const after = await accountState(user.id);
    expect(after.balance).toBe(before.balance);
    expect(after.entries).toHaveLength(before.entries.length);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(1);
  });

  it("a replay after the job finished returns it as it is now, and charges nothing", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const request = jobRequest({ outputs: 2 });
    const first = await caller.jobs.create(request);
    await runJob(workerDeps(), first.job.id);
    const replay = await caller.jobs.create(request);
    expect(replay).toMatchObject({ replayed: true, job: { id: first.job.id, status: "COMPLETED" } });
    expect((await accountState(user.id)).balance).toBe(96);
  });

  it("keys are per user: two users with the same key get two jobs", async () => {
    const [alice, bob] = await Promise.all([createUser({ balance: 10 }), createUser({ balance: 10 })]);
    const request = jobRequest();
    const [a, b] = await Promise.all([callerFor(alice).jobs.create(request), callerFor(bob).jobs.create(request)]);
    expect(a.job.id).not.toBe(b.job.id);
    expect([a.replayed, b.replayed]).toEqual([false, false]);
  });

  it("10 concurrent admin grants with one key → one ledger entry and one audit row", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 5 });
    const input = { userId: user.id, amount: 25, reason: "Support credit", idempotencyKey: randomUUID() };
    const results = await all(times(10), () => callerFor(admin).admin.adjustCredits(input));
    expect(new Set(results.map((r) => r.entry?.id)).size).toBe(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(9);
    expect((await accountState(user.id)).balance).toBe(30);
    expect(await db.adminAudit.count({ where: { targetUserId: user.id } })).toBe(1);

    const reused = await procedureError(callerFor(admin).admin.adjustCredits({ ...input, amount: 26 }));
    expect(reused.appCode).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await accountState(user.id)).balance).toBe(30);
    await expectConserved(user.id, expect);
  });
});
