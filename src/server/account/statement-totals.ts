import "server-only";

import type { Db } from "~/server/db";

const ledgerKinds = ["GRANT", "PURCHASE", "CHARGE", "REFUND", "ADJUSTMENT", "EXPIRE"] as const;
export type LedgerKindTotal = { kind: (typeof ledgerKinds)[number]; amount: number; entries: number };

/**
 * Per-kind sums of the workspace's whole ledger (read-only). By conservation
 * their total equals the balance, which the statement page shows next to
 * them as a visible check.
 */
export async function getStatementTotals(client: Db, workspaceId: string) {
  const [groups, wallet] = await Promise.all([
    client.ledgerEntry.groupBy({ by: ["kind"], where: { workspaceId }, _sum: { amount: true }, _count: { _all: true } }),
    client.workspace.findUniqueOrThrow({ where: { id: workspaceId }, select: { balance: true } }),
  ]);
  const byKind: LedgerKindTotal[] = ledgerKinds.map((kind) => {
    const group = groups.find((row) => row.kind === kind);
    return { kind, amount: group?._sum.amount ?? 0, entries: group?._count._all ?? 0 };
  });
  const net = byKind.reduce((sum, row) => sum + row.amount, 0);
  return { byKind, net, balance: wallet.balance, entries: byKind.reduce((sum, row) => sum + row.entries, 0) };
}
