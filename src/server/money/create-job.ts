import "server-only";

import { Prisma, type Db, type Tx } from "~/server/db";
import { AppError, assert, type ExceededBudget } from "~/server/errors";
import { budgetExceeded } from "~/server/money/budgets";
import { jobViewColumnsOf, type JobView } from "~/server/money/job-view";
import { accountTransaction, statementAlone } from "~/server/money/shapes";

/** One user intent to run a job, as `cw_create_job` takes it (the caller has validated and priced it). */
export type JobCharge = {
  /** The wallet charged. */
  workspaceId: string;
  /** The member who acts (job.actor_user_id, the CHARGE's actor). */
  actorUserId: string;
  idempotencyKey: string;
  /** Tells a replay (same request) from a reused key (another one). */
  requestHash: string;
  modelId: string;
  prompt: string;
  outputs: number;
  pricePerOutput: number;
  jobTimeoutMs: number;
  maxActiveJobs: number;
  rateLimitPerMinute: number;
  /** The API key that makes the request (REST): its budget applies too. */
  apiKeyId?: string | null;
};

export type CreatedJob = { job: JobView; replayed: boolean };

/** The window of the per-minute limit, in seconds. */
export const rateWindowSeconds = 60;

type CreateOutcome =
  | "CREATED"
  | "REPLAYED"
  | "KEY_REUSED"
  | "RATE_LIMITED"
  | "MAX_ACTIVE"
  | "INSUFFICIENT"
  | "BUDGET_EXCEEDED"
  | "NO_USER"
  | "NO_WORKSPACE"
  | "NOT_MEMBER";
type CreateRow = JobView & {
  outcome: CreateOutcome;
  detail: number | null;
  available: number | null;
  /** cw_budget_room's answer (jsonb): the budget a refused create would go over. */
  budget: (Omit<ExceededBudget, "id"> & { id: number }) | null;
};

const createdJobColumns = jobViewColumnsOf("(r.j)");

function createJobCall(charge: JobCharge): Prisma.Sql {
  return Prisma.sql`
    SELECT r.outcome, r.detail, r.available, r.budget, ${createdJobColumns}
    FROM cw_create_job(${charge.workspaceId}, ${charge.actorUserId}, ${charge.idempotencyKey}, ${charge.requestHash}, ${charge.modelId}, ${charge.prompt},
      ${charge.outputs}::int, ${charge.pricePerOutput}::int, ${charge.jobTimeoutMs}::int, ${charge.maxActiveJobs}::int,
      ${charge.rateLimitPerMinute}::int, ${rateWindowSeconds}::int, ${charge.apiKeyId ?? null}::uuid) AS r`;
}

/**
 * Charges and creates one job, exactly once per (user, idempotency key),
 * through `cw_create_job`: the workspace's row lock, the replay or the reused-key
 * refusal, the active and per-minute limits, the charge of the full cost
 * (drawn from the grants), the job and its queue entry, all in one
 * SERIALIZABLE statement sent alone. A refusal charges nothing and throws
 * its AppError; a replay returns the original job with `replayed: true`.
 */
export async function createJob(client: Db, charge: JobCharge): Promise<CreatedJob> {
  const rows = await statementAlone<CreateRow>(client, { label: "jobs.create", accountId: charge.workspaceId }, createJobCall(charge));
  return outcomeOf(rows, charge);
}

/**
 * `createJob` with `alsoCommit` in the same transaction when a job was
 * created (not on a replay or a refusal): what must commit with the job,
 * such as the REST API's stored response. An interactive transaction.
 */
export async function createJobCommitting(
  client: Db,
  charge: JobCharge,
  alsoCommit: (tx: Tx, created: CreatedJob) => Promise<void>,
): Promise<CreatedJob> {
  const rows = await accountTransaction(client, { label: "jobs.create", accountId: charge.workspaceId }, async (tx) => {
    const created = await tx.$queryRaw<CreateRow[]>(createJobCall(charge));
    if (created[0]?.outcome === "CREATED") await alsoCommit(tx, outcomeOf(created, charge));
    return created;
  });
  // A refusal commits what the call wrote before it refused (grants it
  // found expired): the error is thrown after the transaction, as for `createJob`.
  return outcomeOf(rows, charge);
}

function outcomeOf(rows: CreateRow[], charge: JobCharge): CreatedJob {
  assert(rows.length === 1, "cw_create_job answers one row");
  const { outcome, detail, available, budget, ...job } = rows[0]!;
  switch (outcome) {
    case "CREATED":
      return { job, replayed: false };
    case "REPLAYED":
      return { job, replayed: true };
    case "KEY_REUSED":
      throw new AppError("IDEMPOTENCY_KEY_REUSED");
    case "RATE_LIMITED":
      throw new AppError("RATE_LIMIT_EXCEEDED", undefined, { retryAfterSeconds: detail ?? rateWindowSeconds });
    case "MAX_ACTIVE":
      throw new AppError("MAX_ACTIVE_JOBS", undefined, { activeJobs: detail ?? charge.maxActiveJobs });
    case "INSUFFICIENT":
      throw new AppError("INSUFFICIENT_CREDITS", `You need ${detail} more credits.`, {
        requiredCredits: detail ?? 0,
        availableCredits: available ?? 0,
      });
    case "BUDGET_EXCEEDED":
      assert(budget, "a BUDGET_EXCEEDED refusal names its budget");
      throw budgetExceeded({ ...budget, id: String(budget.id) }, charge.pricePerOutput * charge.outputs);
    case "NO_USER":
      throw new AppError("UNAUTHORIZED", "This account no longer exists.");
    case "NO_WORKSPACE":
      throw new AppError("NOT_FOUND", "This team no longer exists.");
    case "NOT_MEMBER":
      throw new AppError("FORBIDDEN", "You are no longer a member of this team.");
  }
}
