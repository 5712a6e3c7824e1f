export type LedgerKind = "GRANT" | "PURCHASE" | "CHARGE" | "REFUND" | "ADJUSTMENT" | "EXPIRE";
export type GrantCategory = "PAID" | "PROMOTIONAL";
export type Actor = { type: "USER" | "ADMIN" | "SYSTEM"; id: string | null };

/** A ledger entry as the money functions return it. */
export type LedgerEntryRow = {
  id: bigint;
  workspaceId: string;
  kind: LedgerKind;
  amount: number;
  balanceBefore: number;
  balanceAfter: number;
  jobId: string | null;
  reason: string;
  createdAt: Date;
};

/** One output as a worker writes it: delivered (`ok`, with content) or failed (with an error). */
export type OutputWrite = { index: number; ok: boolean; mimeType: string; content: string | null; error: string | null };

/**
 * The most jobs one batched call of a worker (`claimJobs`, `finishJobs`)
 * carries. At SERIALIZABLE a statement predicate-locks every index page and
 * heap page it reads, and PostgreSQL replaces more than
 * `max_pred_locks_per_relation` (default 32) locks on one relation by a lock
 * on the whole relation, which every create would then conflict with: 16
 * jobs read at most 16 pages of the job table and 16 of its key.
 */
export const jobsPerCallMax = 16;
