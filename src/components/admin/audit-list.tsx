import Link from "next/link";

import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
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

const describe = (value: unknown) => (value === null || value === undefined ? "—" : JSON.stringify(value));

/** Admin actions: who, what, when, on what, why, before and after. */
export function AuditList({ rows }: { rows: AuditRow[] }) {
  return (
    <Table>
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
            <TableCell>{row.reason ?? "—"}</TableCell>
            <TableCell className="max-w-48 break-words font-mono text-xs">{describe(row.before)}</TableCell>
            <TableCell className="max-w-48 break-words font-mono text-xs">{describe(row.after)}</TableCell>
          </TableRow>
        ))}
        {rows.length === 0 ? (
          <TableRow><TableCell colSpan={7} className="py-6 text-center text-muted-foreground">No admin actions yet.</TableCell></TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}
