import "server-only";

import { Prisma, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import { statementAlone } from "~/server/money/shapes";
import { jobsPerCallMax } from "~/server/money/types";

/** A job a worker holds the lease of, with the outputs an earlier attempt already wrote. */
export type ClaimedJob = {
  id: string;
  workspaceId: string;
  modelId: string;
  prompt: string;
  outputsRequested: number;
  deadlineAt: Date;
  attempts: number;
  doneIndexes: number[];
};

/**
 * Takes PENDING jobs with a lease for `workerId` (`cw_claim_jobs`: status,
 * lease, attempt, below `maxAttempts`), at most `jobsPerCallMax` in one
 * SERIALIZABLE statement sent alone (no credit moves, no account row is
 * read). Answers the jobs it claimed; a job that is not claimable (taken,
 * ended, out of attempts) is left out and changes nothing for the others.
 */
export async function claimJobs(
  client: Db,
  claim: { jobIds: string[]; workerId: string; leaseMs: number; maxAttempts: number },
): Promise<ClaimedJob[]> {
  assert(claim.jobIds.length <= jobsPerCallMax, `at most ${jobsPerCallMax} jobs per claim, not ${claim.jobIds.length}`);
  if (claim.jobIds.length === 0) return [];
  return statementAlone<ClaimedJob>(client, { label: "jobs.claim" }, Prisma.sql`
    SELECT c.id::text AS id, c.workspace_id AS "workspaceId", c.model_id AS "modelId", c.prompt, c.outputs_requested AS "outputsRequested",
      c.deadline_at AS "deadlineAt", c.attempts, c.done_indexes AS "doneIndexes"
    FROM cw_claim_jobs(${claim.jobIds}::uuid[], ${claim.workerId}, ${claim.leaseMs}::int, ${claim.maxAttempts}::int) AS c`);
}
