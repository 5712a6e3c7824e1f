import { z } from "zod";

import { JobStatus } from "~/generated/prisma/enums";

/**
 * Input schemas shared by routers and forms (the UI shows the same messages).
 * Zod and the generated enums only: safe to import from the client.
 */
export const idempotencyKey = z.uuid({ version: "v4", message: "Must be a UUID v4." });
export const jobId = z.uuid({ message: "Not a job id." });
export const promptMaxChars = 2000;
export const outputsMax = 4;

export const createJobInput = z.object({
  idempotencyKey,
  modelId: z.string().min(1, "Pick a model.").max(64),
  prompt: z
    .string()
    .trim()
    .min(1, "Write a prompt.")
    .max(promptMaxChars, `At most ${promptMaxChars} characters.`),
  outputs: z.number().int().min(1, "At least 1 output.").max(outputsMax, `At most ${outputsMax} outputs.`),
});

export const pageLimit = z.number().int().min(1).max(100).default(20);

export const listJobsInput = z.object({
  status: z.enum(JobStatus).optional(),
  cursor: jobId.optional(),
  limit: pageLimit,
});

export const ledgerPageInput = z.object({
  cursor: z.string().regex(/^\d{1,19}$/, "Not a cursor.").optional(),
  limit: pageLimit,
});
