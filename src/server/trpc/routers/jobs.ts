import { z } from "zod";

import { createJobInput, idempotencyKey, jobId, listJobsInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, workspaceProcedure } from "~/server/trpc/procedures";
import { jobsConfigFromEnv } from "~/server/config";
import { cancelJob } from "~/server/jobs/cancel";
import { createJob } from "~/server/jobs/create";
import { findJobByIdempotencyKey, getJobForUser, getJobLimits, listJobsForUser } from "~/server/jobs/queries";
import { actingOf, ownJobsOf } from "~/server/workspaces/active-workspace";

/** A workspace's jobs: every member creates within budget; a team's MEMBER sees and cancels only their own (SPEC §9). */
export const jobsRouter = createTRPCRouter({
  /** Charges and enqueues a job; the same idempotency key replays it. */
  create: workspaceProcedure("MEMBER")
    .input(createJobInput)
    .mutation(({ ctx, input }) => createJob(ctx.db, actingOf(ctx), input, jobsConfigFromEnv())),
  /** One of the user's own jobs, with its outputs. */
  get: workspaceProcedure("MEMBER")
    .input(z.object({ id: jobId }))
    .query(({ ctx, input }) => getJobForUser(ctx.db, ctx.workspace.id, input.id, ownJobsOf(ctx.workspace, ctx.user.id))),
  /** The user's job created under an idempotency key, or null (a page reloaded mid-submit asks). */
  byIdempotencyKey: workspaceProcedure("MEMBER")
    .input(z.object({ idempotencyKey }))
    .query(({ ctx, input }) => findJobByIdempotencyKey(ctx.db, actingOf(ctx), input.idempotencyKey)),
  /** The user's limits now: when the per-minute window lets the next job in (a countdown that survives a reload). */
  limits: workspaceProcedure("MEMBER").query(({ ctx }) => getJobLimits(ctx.db, ctx.workspace.id, jobsConfigFromEnv())),
  /** The user's jobs, newest first. */
  list: workspaceProcedure("MEMBER")
    .input(listJobsInput)
    .query(({ ctx, input }) => listJobsForUser(ctx.db, ctx.workspace.id, input, ownJobsOf(ctx.workspace, ctx.user.id))),
  /** Cancels an active job of the user's and refunds it. */
  cancel: workspaceProcedure("MEMBER")
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) => cancelJob(ctx.db, actingOf(ctx), input.id, { ownJobsOnly: ownJobsOf(ctx.workspace, ctx.user.id) !== null })),
});
