import Link from "next/link";

import { Badge } from "~/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { formatCredits, formatDateTime, formatSignedCredits } from "~/lib/format";

export type AdminLedgerRow = {
  id: string;
  /** The wallet: a personal workspace's id is its owner's, whose user page it links to (decision 0012, step 1). */
  workspaceId: string;
  kind: string;
  amount: number;
  balanceBefore: number;
  balanceAfter: number;
  jobId: string | null;
  actorType: string;
  actorId: string | null;
  reason: string;
  createdAt: Date;
};

/** Ledger entries with balance before and after, actor and links to jobs or users. */
export function LedgerTable({ rows, show }: { rows: AdminLedgerRow[]; show: "job" | "user" }) {
  return (
    <Table aria-label="Ledger entries">
      <TableHeader>
        <TableRow>
          <TableHead>#</TableHead>
          <TableHead>When</TableHead>
          <TableHead>Kind</TableHead>
          <TableHead className="text-right">Amount</TableHead>
          <TableHead className="text-right">Before → after</TableHead>
          <TableHead>Actor</TableHead>
          <TableHead>Reason</TableHead>
          <TableHead>{show === "job" ? "Job" : "User"}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="tabular-nums text-muted-foreground">{row.id}</TableCell>
            <TableCell className="whitespace-nowrap">{formatDateTime(row.createdAt)}</TableCell>
            <TableCell><Badge variant={row.amount < 0 ? "outline" : "success"}>{row.kind}</Badge></TableCell>
            <TableCell className="text-right tabular-nums">{formatSignedCredits(row.amount)}</TableCell>
            <TableCell className="whitespace-nowrap text-right tabular-nums">
              {formatCredits(row.balanceBefore)} → {formatCredits(row.balanceAfter)}
            </TableCell>
            <TableCell className="whitespace-nowrap text-xs">{row.actorType}{row.actorId ? ` · ${row.actorId.slice(0, 18)}` : ""}</TableCell>
            <TableCell>{row.reason}</TableCell>
            <TableCell className="font-mono text-xs">
              {show === "job"
                ? row.jobId ? <Link className="underline" href={`/admin/jobs/${row.jobId}`}>{row.jobId.slice(0, 8)}</Link> : "—"
                : <Link className="underline" href={`/admin/users/${row.workspaceId}`}>{row.workspaceId.slice(0, 8)}</Link>}
            </TableCell>
          </TableRow>
        ))}
        {rows.length === 0 ? (
          <TableRow><TableCell colSpan={8} className="py-6 text-left sm:text-center text-muted-foreground">No ledger entries.</TableCell></TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}
