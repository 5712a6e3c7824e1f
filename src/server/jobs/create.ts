import "server-only";

import { createHash } from "node:crypto";

import { findModel } from "~/server/catalog";
import type { JobsConfig } from "~/server/config";
import type { Db, Tx } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { startTimer } from "~/server/metrics";
import { money, type CreatedJob, type JobCharge } from "~/server/money";
import type { Acting } from "~/server/workspaces/active-workspace";

export type CreateJobInput = {
  idempotencyKey: string;
  modelId: string;
  prompt: string;
  outputs: number;
  /** The API key that makes the request (REST): its budget applies too. Not part of the request's identity. */
  apiKeyId?: string | null;
};

export type CreateJobResult = CreatedJob;

/** The hash that tells a replay (same request) from a reused key (another one). */
function hashJobRequest(input: Pick<CreateJobInput, "modelId" | "prompt" | "outputs">): string {
  const canonical = JSON.stringify([input.modelId, input.prompt, input.outputs]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** Validates and prices one user intent: what the money door charges. */
function chargeFor(acting: Acting, input: CreateJobInput, config: JobsConfig): JobCharge {
  const model = findModel(input.modelId);
  if (!model) {
    throw new AppError("VALIDATION_ERROR", "Unknown model.", { fieldErrors: { modelId: ["Unknown model."] } });
  }
  // PostgreSQL text cannot hold U+0000: refuse it as bad input rather than
  // let the insert fail as an internal error.
  if (input.prompt.includes("\u0000")) {
    throw new AppError("VALIDATION_ERROR", "The prompt contains a NUL character.", {
      fieldErrors: { prompt: ["Remove the NUL character."] },
    });
  }
  return {
    workspaceId: acting.workspaceId, actorUserId: acting.actorUserId, idempotencyKey: input.idempotencyKey, requestHash: hashJobRequest(input), modelId: input.modelId,
    prompt: input.prompt, outputs: input.outputs, pricePerOutput: model.pricePerOutput, jobTimeoutMs: config.jobTimeoutMs,
    maxActiveJobs: config.maxActiveJobs, rateLimitPerMinute: config.rateLimitPerMinute, apiKeyId: input.apiKeyId ?? null,
  };
}

function logCreated(acting: Acting, result: CreateJobResult): CreateJobResult {
  if (!result.replayed) logger.info({ jobId: result.job.id, ...acting, cost: result.job.totalCost }, "job created and charged");
  return result;
}

/**
 * Creates a job for one user intent and charges it, exactly once (the money
 * door's `createJob`: one SERIALIZABLE statement that takes the workspace's row
 * lock, replays or refuses a seen key, checks the limits, charges, inserts
 * and enqueues). A refused request charges nothing and throws its AppError.
 */
export async function createJob(client: Db, acting: Acting, input: CreateJobInput, config: JobsConfig): Promise<CreateJobResult> {
  const charge = chargeFor(acting, input, config);
  const stopTimer = startTimer("createLatency");
  const result = await money.createJob(client, charge).finally(stopTimer);
  return logCreated(acting, result);
}

/**
 * `createJob` with what must commit with a created job (not a replay or a
 * refusal) in the same transaction: the REST API's stored response.
 */
export async function createJobCommitting(
  client: Db,
  acting: Acting,
  input: CreateJobInput,
  config: JobsConfig,
  alsoCommit: (tx: Tx, result: CreateJobResult) => Promise<void>,
): Promise<CreateJobResult> {
  const charge = chargeFor(acting, input, config);
  const stopTimer = startTimer("createLatency");
  const result = await money.createJobCommitting(client, charge, alsoCommit).finally(stopTimer);
  return logCreated(acting, result);
}
