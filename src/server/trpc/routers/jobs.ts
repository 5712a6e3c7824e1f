import { z } from "zod";

import { createJobInput, jobId, listJobsInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, protectedProcedure } from "~/server/trpc/procedures";
import { jobsConfigFromEnv } from "~/server/config";
import { cancelJob } from "~/server/jobs/cancel";
import { createJob } from "~/server/jobs/create";
import { getJobForUser, listJobsForUser } from "~/server/jobs/queries";

export const jobsRouter = createTRPCRouter({
  /** Charges and enqueues a job; the same idempotency key replays it. */
  create: protectedProcedure
    .input(createJobInput)
    .mutation(({ ctx, input }) => createJob(ctx.db, ctx.user.id, input, jobsConfigFromEnv())),
  /** One of the user's own jobs, with its outputs. */
  get: protectedProcedure
    .input(z.object({ id: jobId }))
    .query(({ ctx, input }) => getJobForUser(ctx.db, ctx.user.id, input.id)),
  /** The user's jobs, newest first. */
  list: protectedProcedure
    .input(listJobsInput)
    .query(({ ctx, input }) => listJobsForUser(ctx.db, ctx.user.id, input)),
  /** Cancels an active job of the user's and refunds it. */
  cancel: protectedProcedure
    .input(z.object({ id: jobId }))
    .mutation(({ ctx, input }) => cancelJob(ctx.db, ctx.user.id, input.id)),
});
