import { z } from "zod";

import { createJobInput, idempotencyKey, jobId, listJobsInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, protectedProcedure } from "~/server/trpc/procedures";
import { jobsConfigFromEnv } from "~/server/config";
import { cancelJob } from "~/server/jobs/cancel";
import { createJob } from "~/server/jobs/create";
import { findJobByIdempotencyKey, getJobForUser, getJobLimits, listJobsForUser } from "~/server/jobs/queries";
import { actingOf } from "~/server/workspaces/active-workspace";

export const jobsRouter = createTRPCRouter({
  /** Charges and enqueues a job; the same idempotency key replays it. */
  create: protectedProcedure
    .input(createJobInput)
    .mutation(({ ctx, input }) => createJob(ctx.db, actingOf(ctx), input, jobsConfigFromEnv())),
  /** One of the user's own jobs, with its outputs. */
  get: protectedProcedure
    .input(z.object({ id: jobId }))
    .query(({ ctx, input }) => getJobForUser(ctx.db, ctx.workspace.id, input.id)),
  /** The user's job created under an idempotency key, or null (a page reloaded mid-submit asks). */
  byIdempotencyKey: protectedProcedure
    .input(z.object({ idempotencyKey }))
    .query(({ ctx, input }) => findJobByIdempotencyKey(ctx.db, ctx.workspace.id, input.idempotencyKey)),
  /** The user's limits now: when the per-minute window lets the next job in (a countdown that survives a reload). */
  limits: protectedProcedure.query(({ ctx }) => getJobLimits(ctx.db, ctx.workspace.id, jobsConfigFromEnv())),
  /** The user's jobs, newest first. */
  list: protectedProcedure
    .input(listJobsInput)
    .query(({ ctx, input }) => listJobsForUser(ctx.db, ctx.workspace.id, input)),
  /** Cancels an active job of the user's and refunds it. */
  cancel: protectedProcedure
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) => cancelJob(ctx.db, actingOf(ctx), input.id)),
});
