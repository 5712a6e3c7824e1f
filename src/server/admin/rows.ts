import "server-only";

import type { Prisma } from "~/server/db";

/** The ledger fields an admin sees. */
export const ledgerSelect = {
  id: true,
  workspaceId: true,
  kind: true,
  amount: true,
  balanceBefore: true,
  balanceAfter: true,
  jobId: true,
  actorType: true,
  actorId: true,
  reason: true,
  createdAt: true,
} satisfies Prisma.LedgerEntrySelect;

/** BigInt ids travel as strings (JSON has no 64-bit integers). */
export function withStringId<T extends { id: bigint }>(row: T): Omit<T, "id"> & { id: string } {
  return { ...row, id: row.id.toString() };
}
