import Link from "next/link";

import { StatusBadge } from "~/components/jobs/status-badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow, TableSkeletonRows } from "~/components/ui/table";
import { formatCredits, formatDateTime } from "~/lib/format";

export type AdminJobRow = {
  id: string;
  workspaceId: string;
  modelId: string;
  status: string;
  outputsDone: number;
  outputsRequested: number;
  totalCost: number;
  refundedAmount: number;
  attempts: number;
  createdAt: Date;
  /** Who created it (the admin's job lists); its user page. */
  actor?: { id: string; email: string };
};

/** Rows drawn while the first page loads. */
const skeletonRows = 5;

/**
 * Jobs with status, owner, model, progress and money, each linking to its
 * timeline. `loading`: placeholder rows (never "No jobs." before the answer).
 */
export function JobsTable({ rows, showUser = true, loading = false }: { rows: AdminJobRow[]; showUser?: boolean; loading?: boolean }) {
  const columns = showUser ? 8 : 7;
  return (
    <Table aria-label="Jobs" aria-busy={loading || undefined}>
      <TableHeader>
        <TableRow>
          <TableHead>Job</TableHead>
          <TableHead>Status</TableHead>
          {showUser ? <TableHead>User</TableHead> : null}
          <TableHead>Model</TableHead>
          <TableHead className="text-right">Outputs</TableHead>
          <TableHead className="text-right">Cost / refunded</TableHead>
          <TableHead className="text-right">Attempts</TableHead>
          <TableHead>Created</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((job) => (
          <TableRow key={job.id}>
            <TableCell className="font-mono text-xs">
              <Link className="underline" href={`/admin/jobs/${job.id}`} aria-label={`Job ${job.id}`}>{job.id.slice(0, 8)}</Link>
            </TableCell>
            <TableCell><StatusBadge status={job.status} /></TableCell>
            {showUser ? (
              <TableCell className="text-xs">
                <Link className="underline" href={`/admin/users/${job.actor?.id ?? job.workspaceId}`}>{job.actor?.email ?? job.workspaceId}</Link>
              </TableCell>
            ) : null}
            <TableCell className="whitespace-nowrap text-xs">{job.modelId}</TableCell>
            <TableCell className="text-right tabular-nums">{job.outputsDone} / {job.outputsRequested}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCredits(job.totalCost)} / {formatCredits(job.refundedAmount)}</TableCell>
            <TableCell className="text-right tabular-nums">{job.attempts}</TableCell>
            <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(job.createdAt)}</TableCell>
          </TableRow>
        ))}
        {loading ? <TableSkeletonRows rows={skeletonRows} columns={columns} /> : null}
        {!loading && rows.length === 0 ? (
          <TableRow><TableCell colSpan={columns} className="py-6 text-left sm:text-center text-muted-foreground">No jobs.</TableCell></TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}
