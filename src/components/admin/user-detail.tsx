"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { AdjustCreditsForm } from "~/components/admin/adjust-credits-form";
import { AuditList } from "~/components/admin/audit-list";
import { BudgetChangesList, BudgetsList } from "~/components/admin/budgets-list";
import { isVoidable, VoidGrantDialog } from "~/components/admin/void-grant-dialog";
import { JobsTable } from "~/components/admin/jobs-table";
import { LedgerTable } from "~/components/admin/ledger-table";
import { RoleBadge } from "~/components/admin/workspace-detail";
import { accountName, KindBadge } from "~/components/admin/workspaces-table";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { GrantsList } from "~/components/wallet/grants-table";
import { formatCredits, formatDateTime } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

type UserWorkspaceRow = { id: string; name: string; kind: "PERSONAL" | "TEAM"; balance: number; role: "OWNER" | "ADMIN" | "MEMBER"; joinedAt: Date };

/** The accounts a user belongs to, with their role, each linking to its admin page. */
function UserWorkspaces({ rows }: { rows: UserWorkspaceRow[] }) {
  return (
    <Table aria-label="Accounts">
      <TableHeader>
        <TableRow>
          <TableHead>Account</TableHead>
          <TableHead>Kind</TableHead>
          <TableHead>Role</TableHead>
          <TableHead className="text-right">Balance</TableHead>
          <TableHead>Member since</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((workspace) => (
          <TableRow key={workspace.id}>
            <TableCell className="min-w-36">
              <Link className="break-words font-medium underline-offset-4 hover:underline" href={`/admin/workspaces/${workspace.id}`}>{accountName(workspace)}</Link>
            </TableCell>
            <TableCell><KindBadge kind={workspace.kind} /></TableCell>
            <TableCell><RoleBadge role={workspace.role} /></TableCell>
            <TableCell className="text-right tabular-nums">{formatCredits(workspace.balance)}</TableCell>
            <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(workspace.joinedAt)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** One account: balance, grant/deduct, budgets and their history, recent jobs and ledger, admin actions on it. */
export function AdminUserDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.admin.user.queryOptions({ id }));
  if (detail.error) {
    return (
      <Alert variant="destructive">
        <AlertTitle>{detail.error.data?.appCode === "NOT_FOUND" ? "No such user" : "The user could not be loaded"}</AlertTitle>
        <AlertDescription>{detail.error.message}</AlertDescription>
      </Alert>
    );
  }
  if (!detail.data) return <Skeleton className="h-96" />;
  const { user, reserved, activeJobs, jobs, ledger, audit, wallet, budgets, budgetChanges, workspaces } = detail.data;
  return (
    <div className="flex flex-col gap-6">
      {/* Not PageHeader: an email has no spaces, so the title must break anywhere on a phone. */}
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div className="flex min-w-0 flex-col gap-1">
          <h1 className="break-all text-2xl font-semibold tracking-tight">{user.email}</h1>
          <p className="break-words text-sm text-muted-foreground">
            {user.name} · joined {formatDateTime(user.createdAt)} · <span className="break-all font-mono text-xs">{user.id}</span>
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {user.role === "ADMIN" ? <Badge variant="info">Admin</Badge> : null}
          <Button asChild variant="outline" size="sm"><Link href={`/admin/jobs?user=${user.id}`}>All jobs</Link></Button>
          <Button asChild variant="outline" size="sm"><Link href={`/admin/integrity?userId=${user.id}`}>Check integrity</Link></Button>
        </div>
      </div>
      <div className="grid grid-cols-1 items-start gap-4 md:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)]">
        <Card>
          <CardHeader><CardTitle>Balance</CardTitle></CardHeader>
          <CardContent className="flex flex-col gap-2">
            <p className="text-3xl font-semibold tabular-nums" data-testid="admin-user-balance">{formatCredits(user.balance)}</p>
            <p className="text-sm text-muted-foreground">
              available · {formatCredits(reserved)} reserved by {activeJobs} active {activeJobs === 1 ? "job" : "jobs"}
            </p>
          </CardContent>
        </Card>
        <AdjustCreditsForm userId={user.id} balance={user.balance} />
      </div>
      <Card>
        <CardHeader><CardTitle>Wallet</CardTitle></CardHeader>
        <CardContent>
          <GrantsList
            grants={[...wallet.grants, ...wallet.closed]}
            action={(grant) => (isVoidable(grant) ? <VoidGrantDialog grant={grant} /> : null)}
            empty={<p className="text-sm text-muted-foreground">No grants: this account has never received credits.</p>}
          />
        </CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Accounts</CardTitle></CardHeader>
        <CardContent><UserWorkspaces rows={workspaces} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Budgets</CardTitle></CardHeader>
        <CardContent><BudgetsList rows={budgets} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Budget changes</CardTitle></CardHeader>
        <CardContent><BudgetChangesList rows={budgetChanges} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Recent jobs</CardTitle></CardHeader>
        <CardContent><JobsTable rows={jobs} showUser={false} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Recent ledger entries</CardTitle></CardHeader>
        <CardContent><LedgerTable rows={ledger} show="job" /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Admin actions on this user</CardTitle></CardHeader>
        <CardContent><AuditList rows={audit} /></CardContent>
      </Card>
    </div>
  );
}
