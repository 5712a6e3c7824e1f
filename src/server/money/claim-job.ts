import "server-only";

import { Prisma, type Db } from "~/server/db";
import { statementAlone } from "~/server/money/shapes";

/** A job a worker holds the lease of, with the outputs an earlier attempt already wrote. */
export type ClaimedJob = {
  id: string;
  userId: string;
  modelId: string;
  prompt: string;
  outputsRequested: number;
  deadlineAt: Date;
  attempts: number;
  doneIndexes: number[];
};

type ClaimRow = Omit<ClaimedJob, "doneIndexes"> & { doneIndexes: number[] | null };

/**
 * Takes a PENDING job with a lease for `workerId` (`cw_claim_job`: status,
 * lease, attempt, below `maxAttempts`), one SERIALIZABLE statement sent
 * alone; null when the job is not claimable (taken, ended, out of attempts).
 */
export async function claimJob(
  client: Db,
  claim: { jobId: string; workerId: string; leaseMs: number; maxAttempts: number },
): Promise<ClaimedJob | null> {
  const rows = await statementAlone<ClaimRow>(client, { label: "jobs.claim" }, Prisma.sql`
    SELECT (r.j).id::text AS id, (r.j).user_id AS "userId", (r.j).model_id AS "modelId", (r.j).prompt,
      (r.j).outputs_requested AS "outputsRequested", (r.j).deadline_at AS "deadlineAt", (r.j).attempts,
      r.done_indexes AS "doneIndexes"
    FROM cw_claim_job(${claim.jobId}::uuid, ${claim.workerId}, ${claim.leaseMs}::int, ${claim.maxAttempts}::int) AS r`);
  const row = rows[0];
  return row ? { ...row, doneIndexes: row.doneIndexes ?? [] } : null;
}
