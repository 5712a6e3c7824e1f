import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { AppError } from "~/server/errors";
import { getJobLimits, nextRateSlotAtMs } from "~/server/jobs/queries";

import { callerFor, createUser, db, jobRequest } from "../helpers";
import { createTestJob } from "../fixtures/jobs";

// What a page reloaded mid-submit, or mid-countdown, asks the server: the
// job its lost answer announced, and when the per-minute window lets the
// next job in.

describe("jobs.byIdempotencyKey", () => {
  it("finds the user's own job by its key, and nothing for an unknown key or another user's", async () => {
    const owner = await createUser({ balance: 100 });
    const stranger = await createUser({ balance: 100 });
    const request = jobRequest();
    const { job } = await callerFor(owner).jobs.create(request);
    await expect(callerFor(owner).jobs.byIdempotencyKey({ idempotencyKey: request.idempotencyKey })).resolves.toMatchObject({
      id: job.id, totalCost: job.totalCost, status: "PENDING",
    });
    await expect(callerFor(owner).jobs.byIdempotencyKey({ idempotencyKey: randomUUID() })).resolves.toBeNull();
    await expect(callerFor(stranger).jobs.byIdempotencyKey({ idempotencyKey: request.idempotencyKey })).resolves.toBeNull();
    await expect(callerFor(null).jobs.byIdempotencyKey({ idempotencyKey: request.idempotencyKey })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("the per-minute window's next free slot", () => {
  it("is none below the limit, and at the limit is when the same refusal says to retry", async () => {
    const user = await createUser({ balance: 100 });
    const config = { rateLimitPerMinute: 3, maxActiveJobs: 1_000 };
    expect((await getJobLimits(db, user.id, config)).rateLimit).toMatchObject({ limit: 3, windowSeconds: 60, nextSlotAt: null, retryAfterMs: null });
    for (let i = 0; i < 3; i++) await createTestJob(user.id, {}, config);
    const { rateLimit } = await getJobLimits(db, user.id, config);
    expect(rateLimit.retryAfterMs).toBeGreaterThan(0);
    expect(rateLimit.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(rateLimit.nextSlotAt).toBeInstanceOf(Date);
    const refusal = await createTestJob(user.id, {}, config).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    const { code, details } = refusal as AppError;
    expect(code).toBe("RATE_LIMIT_EXCEEDED");
    // Read a moment apart, the two agree to the second.
    expect(Math.abs(details.retryAfterSeconds! - Math.ceil(rateLimit.retryAfterMs! / 1000))).toBeLessThanOrEqual(1);
  });

  it("frees up when the oldest counting second leaves the window", () => {
    const ring = { lastMs: [1_000, 2_500, 0], counts: [2, 1, 0] };
    expect(nextRateSlotAtMs(ring, 3_000, 3, 60)).toBe(61_000);
    expect(nextRateSlotAtMs(ring, 3_000, 4, 60)).toBeNull();
    // Past the first slot's 60 s, only one job still counts.
    expect(nextRateSlotAtMs(ring, 61_000, 3, 60)).toBeNull();
    expect(nextRateSlotAtMs({ lastMs: [], counts: [] }, 3_000, 1, 60)).toBeNull();
  });
});
