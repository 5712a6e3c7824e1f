import { describe, expect, it } from "vitest";

import { type AppError } from "~/server/errors";
import { runJob } from "~/server/jobs/run";

import { callerFor, createUser, db, expectConserved, jobRequest, workerDeps } from "../helpers";
import { all, times, watchValue } from "../fixtures/concurrency";
import { outcomeOf, procedureError } from "../fixtures/errors";
import { createTestJob } from "../fixtures/jobs";

// SPEC §3.7 Limits hold under concurrency: ≤ MAX_ACTIVE_JOBS pending or
// processing, ≤ RATE_LIMIT_PER_MINUTE created in any 60 s window, even with
// 50 requests at once; refused requests charge nothing.

const limits = { maxActiveJobs: 5, rateLimitPerMinute: 10 };
const windowMs = 60_000;

function watchActive(userId: string) {
  return watchValue(`SELECT count(*)::int AS value FROM job WHERE workspace_id = $1 AND status IN ('PENDING', 'PROCESSING')`, [userId]);
}

/** The largest number of the user's jobs created within any 60-second window. */
async function maxPerWindow(userId: string): Promise<number> {
  const jobs = await db.job.findMany({ where: { workspaceId: userId }, select: { createdAt: true }, orderBy: { createdAt: "asc" } });
  const times_ = jobs.map((j) => j.createdAt.getTime());
  let max = 0;
  for (let i = 0; i < times_.length; i++) {
    const inWindow = times_.filter((t) => t >= times_[i]! && t < times_[i]! + windowMs).length;
    max = Math.max(max, inWindow);
  }
  return max;
}

/** The ledger holds the grant and exactly one CHARGE per created job, nothing else. */
async function expectOnlyCharges(userId: string, jobsCreated: number) {
  const entries = await db.ledgerEntry.findMany({ where: { workspaceId: userId }, orderBy: { id: "asc" } });
  expect(entries.map((e) => e.kind)).toEqual(["GRANT", ...times(jobsCreated).map(() => "CHARGE")]);
  const jobIds = new Set(entries.filter((e) => e.kind === "CHARGE").map((e) => e.jobId));
  expect(jobIds.size).toBe(jobsCreated);
  await expectConserved(userId, expect);
}

describe("§3.7 limits hold under concurrency", () => {
  it("50 concurrent creates (5 active / 10 per minute) → 5 jobs, the rest MAX_ACTIVE_JOBS, nothing else charged", async () => {
    const user = await createUser({ balance: 1_000 });
    const watcher = await watchActive(user.id);
    const outcomes = await all(times(50), () => outcomeOf(createTestJob(user.id, {}, limits)));
    const samples = await watcher.stop();
    expect(outcomes.filter((o) => o.code === "OK")).toHaveLength(5);
    expect(outcomes.filter((o) => o.code === "MAX_ACTIVE_JOBS")).toHaveLength(45);
    expect(Math.max(...samples)).toBeLessThanOrEqual(5);
    await expectOnlyCharges(user.id, 5);
  });

  it("50 concurrent creates (10 per minute, no active cap) → 10 jobs, the rest RATE_LIMIT_EXCEEDED with retryAfterSeconds", async () => {
    const user = await createUser({ balance: 1_000 });
    const outcomes = await all(times(50), () => outcomeOf(createTestJob(user.id, {}, { maxActiveJobs: 1_000, rateLimitPerMinute: 10 })));
    expect(outcomes.filter((o) => o.code === "OK")).toHaveLength(10);
    const refused = outcomes.filter((o) => o.code === "RATE_LIMIT_EXCEEDED");
    expect(refused).toHaveLength(40);
    for (const outcome of refused) {
      const retryAfter = ((outcome as { error: AppError }).error).details.retryAfterSeconds;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect(await maxPerWindow(user.id)).toBe(10);
    await expectOnlyCharges(user.id, 10);
  });

  it("50 concurrent creates while a worker finishes jobs → never more than 5 active, never more than 10 in 60 s", async () => {
    const user = await createUser({ balance: 1_000 });
    const watcher = await watchActive(user.id);
    let creating = true;
    const worker = (async () => {
      while (creating) {
        const pending = await db.job.findMany({ where: { workspaceId: user.id, status: "PENDING" }, select: { id: true } });
        await Promise.all(pending.map((job) => runJob(workerDeps(), job.id)));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const outcomes = await all(times(50), async (i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 4)); // spread over ~200 ms so finished jobs free slots
      return outcomeOf(createTestJob(user.id, {}, limits));
    });
    creating = false;
    await worker;
    const samples = await watcher.stop();

    const created = outcomes.filter((o) => o.code === "OK").length;
    expect(created).toBeGreaterThanOrEqual(5);
    expect(created).toBeLessThanOrEqual(10);
    expect(outcomes.every((o) => ["OK", "MAX_ACTIVE_JOBS", "RATE_LIMIT_EXCEEDED"].includes(o.code))).toBe(true);
    expect(Math.max(...samples)).toBeLessThanOrEqual(5);
    expect(await maxPerWindow(user.id)).toBeLessThanOrEqual(10);
    // Completed jobs have no refund; refused requests left no entry.
    const refunds = await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "REFUND" } });
    expect(refunds).toBe(0);
    await expectOnlyCharges(user.id, created);
  });

  it("sequentially: finished jobs free active slots, but the 11th job within a minute is refused", async () => {
    const user = await createUser({ balance: 1_000 });
    const create = () => outcomeOf(createTestJob(user.id, {}, limits));
    const runAll = async () => {
      const pending = await db.job.findMany({ where: { workspaceId: user.id, status: "PENDING" }, select: { id: true } });
      for (const job of pending) await runJob(workerDeps(), job.id);
    };
    for (let i = 0; i < 5; i++) expect((await create()).code).toBe("OK");
    expect((await create()).code).toBe("MAX_ACTIVE_JOBS");
    await runAll();
    for (let i = 0; i < 5; i++) expect((await create()).code).toBe("OK");
    await runAll();
    const eleventh = await create();
    expect(eleventh.code).toBe("RATE_LIMIT_EXCEEDED");
    const retryAfter = ((eleventh as { error: AppError }).error).details.retryAfterSeconds ?? 0;
    expect(retryAfter).toBeGreaterThanOrEqual(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await db.job.count({ where: { workspaceId: user.id, status: "COMPLETED" } })).toBe(10);
    await expectOnlyCharges(user.id, 10);
  });

  it("through the router with the env defaults: 50 concurrent → 5 jobs, 45 × 429 MAX_ACTIVE_JOBS", async () => {
    const user = await createUser({ balance: 1_000 });
    const caller = callerFor(user);
    const settled = await Promise.allSettled(times(50).map(() => caller.jobs.create(jobRequest())));
    expect(settled.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    for (const rejected of settled.filter((r) => r.status === "rejected")) {
      const data = await procedureError(Promise.reject(rejected.reason as Error));
      expect(data).toMatchObject({ appCode: "MAX_ACTIVE_JOBS", httpStatus: 429 });
    }
    await expectOnlyCharges(user.id, 5);
  });
});
