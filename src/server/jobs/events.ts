import "server-only";

import type { Tx } from "~/server/db";

export type JobEventType =
  | "created"
  | "claimed"
  | "heartbeat"
  | "output"
  | "output_failed"
  | "lease_lost"
  | "recovered"
  | "settled"
  | "late_write_ignored";

/** Appends one entry to a job's timeline, in the caller's transaction. */
export async function recordJobEvent(
  tx: Tx,
  jobId: string,
  type: JobEventType,
  workerId: string | null,
  data: Record<string, unknown> | null = null,
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO job_event (job_id, type, worker_id, data, created_at)
    VALUES (${jobId}::uuid, ${type}, ${workerId}, ${data === null ? null : JSON.stringify(data)}::jsonb, clock_timestamp())`;
}
