import { Prisma } from "~/server/db";

/** The job fields a client may see (nothing private such as the request hash). */
export const jobSelect = {
  id: true,
  userId: true,
  modelId: true,
  prompt: true,
  outputsRequested: true,
  pricePerOutput: true,
  totalCost: true,
  status: true,
  outputsDone: true,
  outputsFailed: true,
  attempts: true,
  errorCode: true,
  errorMessage: true,
  refundedAmount: true,
  deadlineAt: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} satisfies Prisma.JobSelect;

export type JobView = Prisma.JobGetPayload<{ select: typeof jobSelect }>;

export const jobStatuses = ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type JobStatus = (typeof jobStatuses)[number];
