import "server-only";

import type { Db } from "~/server/db";
import { ledgerRowsForExport } from "~/server/wallet/statement";
import { csvLine } from "~/server/wallet/csv";
import type { StatementFilter } from "~/shared/statement-filter";

export const statementCsvHeader = ["id", "date", "kind", "amount", "balance_before", "balance_after", "reason", "job_id", "actor", "receipt"] as const;

/**
 * The filtered ledger as CSV lines (header first), newest first, streamed
 * batch by batch: the same entries the statement shows for this filter.
 */
export async function* statementCsv(client: Db, workspaceId: string, filter: StatementFilter): AsyncGenerator<string> {
  yield csvLine(statementCsvHeader);
  for await (const row of ledgerRowsForExport(client, workspaceId, filter)) {
    yield csvLine([
      row.id, row.createdAt.toISOString(), row.kind, row.amount, row.balanceBefore, row.balanceAfter,
      row.reason, row.jobId, row.actorType, row.receiptCheckoutId,
    ]);
  }
}

/** `creditworks-statement-2026-11-01-to-2026-11-30.csv`, from the filter. */
export function statementCsvFileName(filter: StatementFilter): string {
  const range = filter.from || filter.to ? `-${filter.from ?? "start"}-to-${filter.to ?? "now"}` : "";
  return `creditworks-statement${range}.csv`;
}
