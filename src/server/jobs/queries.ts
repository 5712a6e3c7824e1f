import "server-only";

import type { JobsConfig } from "~/server/config";
import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { idCursorArgs, toPage } from "~/server/pagination";
import { jobSelect, rateWindowSeconds, type JobStatus } from "~/server/money";
import type { Acting } from "~/server/workspaces/active-workspace";

/**
 * One of the workspace's jobs with its outputs; another workspace's is
 * NOT_FOUND. With `actorUserId` (a team's MEMBER sees only their own jobs,
 * SPEC §9), another member's job is NOT_FOUND too.
 */
export async function getJobForUser(client: Db, workspaceId: string, jobId: string, actorUserId: string | null = null) {
  const job = await client.job.findFirst({
    where: { id: jobId, workspaceId, ...(actorUserId ? { actorUserId } : {}) },
    select: {
      ...jobSelect,
      outputs: {
        select: { index: true, status: true, mimeType: true, content: true, error: true, createdAt: true },
        orderBy: { index: "asc" },
      },
    },
  });
  if (!job) throw new AppError("NOT_FOUND", "No such job.");
  return job;
}

/** A page of the workspace's jobs (only `actorUserId`'s when given), newest first, optionally of one status. */
export async function listJobsForUser(
  client: Db,
  workspaceId: string,
  input: { status?: JobStatus; cursor?: string; limit: number },
  actorUserId: string | null = null,
) {
  const rows = await client.job.findMany({
    where: { workspaceId, ...(actorUserId ? { actorUserId } : {}), ...(input.status ? { status: input.status } : {}) },
    select: jobSelect,
    ...idCursorArgs(input),
  });
  return toPage(rows, input.limit);
}

/**
 * The member's job created under an idempotency key, or null when none was:
 * what a page reloaded while its request was in flight asks, to tell the
 * user that the job exists (and was charged once) before they submit again.
 * A key is one member's (SPEC §3.6), so another member's never answers.
 */
export async function findJobByIdempotencyKey(client: Db, acting: Acting, idempotencyKey: string) {
  return client.job.findUnique({
    where: { workspaceId_actorUserId_idempotencyKey: { workspaceId: acting.workspaceId, actorUserId: acting.actorUserId, idempotencyKey } },
    select: jobSelect,
  });
}

/** The per-minute ring on the workspace row (`cw_create_job`): the latest creation in each second's slot and how many. */
export type RateRing = { lastMs: readonly number[]; counts: readonly number[] };

/**
 * When the per-minute limit lets the next job in, in epoch milliseconds, or
 * null when it would now. The same reading as `cw_create_job`: a second's
 * slot counts until `windowSeconds` after its latest creation; at the limit,
 * the oldest counting slot is the first to stop counting.
 */
export function nextRateSlotAtMs(ring: RateRing, nowMs: number, limit: number, windowSeconds: number): number | null {
  const windowMs = windowSeconds * 1000;
  let used = 0;
  let oldestMs = Infinity;
  ring.lastMs.forEach((lastMs, slot) => {
    const count = ring.counts[slot] ?? 0;
    if (count <= 0 || lastMs <= nowMs - windowMs) return;
    used += count;
    oldestMs = Math.min(oldestMs, lastMs);
  });
  return used >= limit ? oldestMs + windowMs : null;
}

/**
 * The user's job limits as they stand now: how many jobs the per-minute
 * window holds and, when it is full, when the next one may start
 * (`nextSlotAt`, on the database's clock, which keeps the window) and how
 * long that is from now (`retryAfterMs`: what a countdown needs, whatever
 * the client's clock says). Read from the workspace row, like the limit itself.
 */
export async function getJobLimits(client: Db, workspaceId: string, config: Pick<JobsConfig, "rateLimitPerMinute">) {
  const [row] = await client.$queryRaw<{ lastMs: bigint[]; counts: number[]; nowMs: bigint }[]>`
    SELECT job_rate_last_ms AS "lastMs", job_rate_counts AS "counts",
           ceil(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS "nowMs"
    FROM workspace WHERE id = ${workspaceId}`;
  if (!row) throw new AppError("NOT_FOUND", "No such account.");
  const nowMs = Number(row.nowMs);
  const ring = { lastMs: row.lastMs.map(Number), counts: row.counts };
  const nextSlotAtMs = nextRateSlotAtMs(ring, nowMs, config.rateLimitPerMinute, rateWindowSeconds);
  return {
    rateLimit: {
      limit: config.rateLimitPerMinute,
      windowSeconds: rateWindowSeconds,
      nextSlotAt: nextSlotAtMs === null ? null : new Date(nextSlotAtMs),
      retryAfterMs: nextSlotAtMs === null ? null : nextSlotAtMs - nowMs,
    },
  };
}
