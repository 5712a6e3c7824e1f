import "server-only";

import { Prisma } from "~/server/db";

/** The job fields a client may see (nothing private such as the request hash). */
export const jobSelect = {
  id: true,
  workspaceId: true,
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

/**
 * The columns of `jobSelect`, read from a `job` row named `source` (a table
 * alias, or a composite such as `(r.j)` returned by a SQL function), as a
 * select list whose aliases are JobView's fields. Typed by JobView: a field
 * added to jobSelect without its column here fails to compile. Constant
 * text, no input.
 */
export function jobViewColumnsOf(source: string): Prisma.Sql {
  const columns: Record<keyof JobView, string> = {
    id: "id::text", workspaceId: "workspace_id", modelId: "model_id", prompt: "prompt",
    outputsRequested: "outputs_requested", pricePerOutput: "price_per_output", totalCost: "total_cost",
    status: "status::text", outputsDone: "outputs_done", outputsFailed: "outputs_failed", attempts: "attempts",
    errorCode: "error_code", errorMessage: "error_message", refundedAmount: "refunded_amount",
    deadlineAt: "deadline_at", createdAt: "created_at", startedAt: "started_at", finishedAt: "finished_at",
  };
  return Prisma.raw(
    Object.entries(columns)
      .map(([field, column]) => {
        const [name, cast] = column.split("::");
        return `${source}.${name}${cast ? `::${cast}` : ""} AS "${field}"`;
      })
      .join(", "),
  );
}
