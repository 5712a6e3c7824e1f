import Link from "next/link";

import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow, TableSkeletonRows } from "~/components/ui/table";
import { auditStateLines } from "~/lib/admin-copy";
import { formatDateTime } from "~/lib/format";

export type AuditRow = {
  id: string;
  adminId: string;
  adminEmail?: string | null;
  action: string;
  targetUserId: string | null;
  targetUserEmail?: string | null;
  targetJobId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
};

/**
 * A state snapshot, one field per line. The minimum width keeps a table
 * that is wider than its card from squeezing the column to one character.
 */
function StateLines({ value }: { value: unknown }) {
  const lines = auditStateLines(value);
  if (lines.length === 0) return <>—</>;
  return (
    <ul className="flex min-w-44 flex-col" data-testid="audit-state">
      {lines.map((line) => <li key={line} className="break-words">{line}</li>)}
    </ul>
  );
}

/** An admin's internal note, kept in the audit row's `after` (never in the ledger, never shown to the user). */
function internalNoteOf(row: AuditRow): string | null {
  const note = (row.after as { internalNote?: unknown } | null)?.internalNote;
  return typeof note === "string" ? note : null;
}

/** Admin actions: who, what, when, on what, why, before and after. */
export function AuditList({ rows, loading = false }: { rows: AuditRow[]; loading?: boolean }) {
  return (
    <Table aria-label="Admin actions">
      <TableHeader>
        <TableRow>
          <TableHead>When</TableHead>
          <TableHead>Admin</TableHead>
          <TableHead>Action</TableHead>
          <TableHead>Target</TableHead>
          <TableHead>Reason</TableHead>
          <TableHead>Before</TableHead>
          <TableHead>After</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="whitespace-nowrap">{formatDateTime(row.createdAt)}</TableCell>
            <TableCell className="text-xs">{row.adminEmail ?? row.adminId}</TableCell>
            <TableCell className="font-mono text-xs">{row.action}</TableCell>
            <TableCell className="text-xs">
              <div className="flex flex-col gap-0.5">
                {row.targetUserId ? (
                  <Link className="underline" href={`/admin/users/${row.targetUserId}`}>{row.targetUserEmail ?? row.targetUserId}</Link>
                ) : null}
                {row.targetJobId ? (
                  <Link className="font-mono underline" href={`/admin/jobs/${row.targetJobId}`}>job {row.targetJobId.slice(0, 8)}</Link>
                ) : null}
              </div>
            </TableCell>
            <TableCell className="min-w-48 max-w-80 break-words">
              {row.reason ?? "—"}
              {internalNoteOf(row) ? (
                <span className="mt-1 block text-xs text-muted-foreground" data-testid="audit-internal-note">
                  Internal note: {internalNoteOf(row)}
                </span>
              ) : null}
            </TableCell>
            <TableCell className="max-w-64 align-top font-mono text-xs"><StateLines value={row.before} /></TableCell>
            <TableCell className="max-w-64 align-top font-mono text-xs"><StateLines value={row.after} /></TableCell>
          </TableRow>
        ))}
        {loading ? <TableSkeletonRows rows={5} columns={7} /> : null}
        {!loading && rows.length === 0 ? (
          <TableRow><TableCell colSpan={7} className="py-6 text-left sm:text-center text-muted-foreground">No admin actions yet.</TableCell></TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}
