import "server-only";

import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { idCursorArgs, toPage } from "~/server/pagination";
import { jobSelect, type JobStatus } from "~/server/money";

/** One of the user's own jobs with its outputs; another user's is NOT_FOUND. */
export async function getJobForUser(client: Db, userId: string, jobId: string) {
  const job = await client.job.findFirst({
    where: { id: jobId, userId },
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

/** A page of the user's jobs, newest first, optionally of one status. */
export async function listJobsForUser(
  client: Db,
  userId: string,
  input: { status?: JobStatus; cursor?: string; limit: number },
) {
  const rows = await client.job.findMany({
    where: { userId, ...(input.status ? { status: input.status } : {}) },
    select: jobSelect,
    ...idCursorArgs(input),
  });
  return toPage(rows, input.limit);
}
