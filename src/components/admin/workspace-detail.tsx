"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";

import { BudgetChangesList, BudgetsList } from "~/components/admin/budgets-list";
import { JobsTable } from "~/components/admin/jobs-table";
import { LedgerTable } from "~/components/admin/ledger-table";
import { accountName, KindBadge } from "~/components/admin/workspaces-table";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { workspaceChangeSentence } from "~/lib/admin-copy";
import { formatCredits, formatDateTime } from "~/lib/format";
import { roleLabel } from "~/lib/workspace-roles";
import type { AppRouter } from "~/server/trpc/root";
import { useTRPC } from "~/trpc/react";

type AdminWorkspace = inferRouterOutputs<AppRouter>["admin"]["workspace"];

export function RoleBadge({ role }: { role: keyof typeof roleLabel }) {
  return <Badge variant={role === "OWNER" ? "info" : role === "ADMIN" ? "secondary" : "outline"}>{roleLabel[role]}</Badge>;
}

const userLink = "break-all underline-offset-4 hover:underline";

function MembersTable({ rows, total, deleted }: { rows: AdminWorkspace["members"]; total: number; deleted: boolean }) {
  if (rows.length === 0) {
    return <p className="text-sm text-muted-foreground">{deleted ? "No members: a deleted team has none." : "No members."}</p>;
  }
  return (
    <>
      <Table aria-label="Members">
        <TableHeader>
          <TableRow>
            <TableHead>Email</TableHead>
            <TableHead>Name</TableHead>
            <TableHead>Role</TableHead>
            <TableHead>Joined</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((member) => (
            <TableRow key={member.userId} data-testid="admin-member-row">
              <TableCell className="min-w-44">
                <Link className={`font-medium ${userLink}`} href={`/admin/users/${member.userId}`}>{member.email}</Link>
                {member.deleted ? <> <Badge variant="outline">Deleted</Badge></> : null}
              </TableCell>
              <TableCell className="break-words">{member.name}</TableCell>
              <TableCell><RoleBadge role={member.role} /></TableCell>
              <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(member.joinedAt)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {total > rows.length ? <p className="mt-2 text-sm text-muted-foreground">The first {rows.length} of {total} members.</p> : null}
    </>
  );
}

function InvitationsTable({ rows }: { rows: AdminWorkspace["invitations"] }) {
  if (rows.length === 0) return <p className="text-sm text-muted-foreground">No pending invitation.</p>;
  return (
    <Table aria-label="Pending invitations">
      <TableHeader>
        <TableRow>
          <TableHead>Address</TableHead>
          <TableHead>Role</TableHead>
          <TableHead>Invited by</TableHead>
          <TableHead>Sent</TableHead>
          <TableHead>Expires</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((invitation) => (
          <TableRow key={invitation.id}>
            <TableCell className="min-w-44 break-all">{invitation.email}</TableCell>
            <TableCell><RoleBadge role={invitation.role} /></TableCell>
            <TableCell className="min-w-44 text-xs">
              <Link className={userLink} href={`/admin/users/${invitation.invitedBy.id}`}>{invitation.invitedBy.email}</Link>
            </TableCell>
            <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(invitation.createdAt)}</TableCell>
            <TableCell className="whitespace-nowrap">{formatDateTime(invitation.expiresAt)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The workspace_change audit as sentences, newest first: when, who, what (SPEC §9). */
function ChangesList({ rows }: { rows: AdminWorkspace["changes"] }) {
  if (rows.length === 0) return <p className="text-sm text-muted-foreground">No change of members, roles or settings yet.</p>;
  return (
    <ol aria-label="Changes of members, roles and settings" className="flex flex-col divide-y">
      {rows.map((change) => (
        <li key={change.id} className="flex flex-col gap-0.5 py-2 first:pt-0 last:pb-0 sm:flex-row sm:gap-3" data-testid="workspace-change">
          <time className="shrink-0 whitespace-nowrap text-sm text-muted-foreground sm:w-44" dateTime={new Date(change.createdAt).toISOString()}>
            {formatDateTime(change.createdAt)}
          </time>
          <p className="min-w-0 break-words text-sm">
            <Link className={`font-medium ${userLink}`} href={`/admin/users/${change.actorUserId}`}>{change.actorEmail ?? change.actorUserId}</Link>{" "}
            {workspaceChangeSentence(change)}
          </p>
        </li>
      ))}
    </ol>
  );
}

/** One account (personal or team): wallet, members, invitations, budgets, the audit of its changes, recent jobs and ledger. */
export function AdminWorkspaceDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.admin.workspace.queryOptions({ id }));
  if (detail.error) {
    return (
      <Alert variant="destructive">
        <AlertTitle>{detail.error.data?.appCode === "NOT_FOUND" ? "No such account" : "The account could not be loaded"}</AlertTitle>
        <AlertDescription>{detail.error.message}</AlertDescription>
      </Alert>
    );
  }
  if (!detail.data) return <Skeleton className="h-96" />;
  const { workspace, reserved, activeJobs, membersCount, members, invitations, budgets, budgetChanges, changes, jobs, ledger } = detail.data;
  const team = workspace.kind === "TEAM";
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div className="flex min-w-0 flex-col gap-1">
          <h1 className="break-words text-2xl font-semibold tracking-tight">
            {team ? workspace.name : `${accountName(workspace)} of ${members[0]?.email ?? workspace.id}`}
          </h1>
          <p className="break-words text-sm text-muted-foreground">
            <KindBadge kind={workspace.kind} deletedAt={workspace.deletedAt} /> · created {formatDateTime(workspace.createdAt)}{workspace.deletedAt ? ` · deleted ${formatDateTime(workspace.deletedAt)}` : ""} · <span className="break-all font-mono text-xs">{workspace.id}</span>
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {team ? null : <Button asChild variant="outline" size="sm"><Link href={`/admin/users/${workspace.id}`}>User page</Link></Button>}
          {team ? null : <Button asChild variant="outline" size="sm"><Link href={`/admin/jobs?user=${workspace.id}`}>All jobs</Link></Button>}
        </div>
      </div>
      <Card>
        <CardHeader><CardTitle>Wallet</CardTitle></CardHeader>
        <CardContent className="flex flex-col gap-2">
          <p className="text-3xl font-semibold tabular-nums" data-testid="admin-workspace-balance">{formatCredits(workspace.balance)}</p>
          <p className="text-sm text-muted-foreground">
            available · {formatCredits(reserved)} reserved by {activeJobs} active {activeJobs === 1 ? "job" : "jobs"}
          </p>
          {team ? (
            <p className="text-sm text-muted-foreground">
              Members {workspace.membersSeeStatement ? "may" : "may not"} read the team&apos;s statement (owners and admins always may).
            </p>
          ) : null}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Members</CardTitle>
          <CardDescription>{membersCount} {membersCount === 1 ? "member" : "members"}</CardDescription>
        </CardHeader>
        <CardContent><MembersTable rows={members} total={membersCount} deleted={workspace.deletedAt !== null} /></CardContent>
      </Card>
      {team ? (
        <Card>
          <CardHeader><CardTitle>Pending invitations</CardTitle></CardHeader>
          <CardContent><InvitationsTable rows={invitations} /></CardContent>
        </Card>
      ) : null}
      <Card>
        <CardHeader><CardTitle>Budgets</CardTitle></CardHeader>
        <CardContent><BudgetsList rows={budgets} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Budget changes</CardTitle></CardHeader>
        <CardContent><BudgetChangesList rows={budgetChanges} /></CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Members, roles and settings: audit</CardTitle>
          <CardDescription>Every change of membership, role or setting, newest first.</CardDescription>
        </CardHeader>
        <CardContent><ChangesList rows={changes} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Recent jobs</CardTitle><CardDescription>With the member who created each.</CardDescription></CardHeader>
        <CardContent><JobsTable rows={jobs} /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Recent ledger entries</CardTitle></CardHeader>
        <CardContent><LedgerTable rows={ledger} show="job" /></CardContent>
      </Card>
    </div>
  );
}
