export type LedgerKind = "GRANT" | "PURCHASE" | "CHARGE" | "REFUND" | "ADJUSTMENT" | "EXPIRE";
export type GrantCategory = "PAID" | "PROMOTIONAL";
export type Actor = { type: "USER" | "ADMIN" | "SYSTEM"; id: string | null };

/** A ledger entry as the money functions return it. */
export type LedgerEntryRow = {
  id: bigint;
  userId: string;
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
