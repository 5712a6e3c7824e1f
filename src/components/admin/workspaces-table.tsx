"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";

import { PageHeader } from "~/components/page-header";
import { Badge } from "~/components/ui/badge";
import { Card } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow, TableSkeletonRows } from "~/components/ui/table";
import { formatCredits, formatDateTime } from "~/lib/format";
import { workspaceKinds } from "~/shared/schemas/admin";
import { useTRPC } from "~/trpc/react";

const pageSize = 20;
const columns = 6;
const selectClass = "h-9 rounded-md border border-input bg-card px-2 text-sm shadow-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

type Kind = (typeof workspaceKinds)[number];
const kindLabel: Record<Kind, string> = { PERSONAL: "Personal", TEAM: "Team" };

/** "Personal account" or the team's name (a personal workspace's stored name says nothing). */
export function accountName(workspace: { kind: Kind; name: string }): string {
  return workspace.kind === "PERSONAL" ? "Personal account" : workspace.name;
}

export function KindBadge({ kind, deletedAt = null }: { kind: Kind; deletedAt?: Date | null }) {
  // A deleted team keeps its row and its books (workspaces.deleteTeam): it says so wherever it is listed.
  if (deletedAt) return <Badge variant="outline">Deleted team</Badge>;
  return kind === "TEAM" ? <Badge variant="info">Team</Badge> : <Badge variant="outline">Personal</Badge>;
}

/** What an empty answer means, and what the search box takes. */
function emptyText(query: string, kind: Kind | undefined): string {
  const what = kind === "TEAM" ? "team" : kind === "PERSONAL" ? "personal account" : "account";
  if (!query) return kind === "TEAM" ? "No team yet: teams appear here when a user creates one." : `No ${what} yet.`;
  return `No ${what} matches “${query}”. Search by an exact account id, part of a team's name, or part of a member's email.`;
}

/** Every account (personal and teams), searchable by id, name or a member's email, with balance, owners and members. */
export function AdminWorkspaces() {
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  const [kind, setKind] = useState<Kind | "">("");
  const deferredQuery = useDeferredValue(query.trim());
  const pages = useCursorPages();
  const selectedKind = workspaceKinds.find((value) => value === kind);
  const workspaces = useQuery(trpc.admin.workspaces.queryOptions({ query: deferredQuery || undefined, kind: selectedKind, cursor: pages.cursor, limit: pageSize }));
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Accounts" description="Personal accounts and teams: wallets, members, budgets and every change of role or membership." />
      <form role="search" aria-label="Search accounts" className="flex flex-col gap-3 sm:flex-row sm:items-end" onSubmit={(event) => event.preventDefault()}>
        <div className="flex min-w-0 flex-col gap-1.5 sm:w-full sm:max-w-md">
          <Label htmlFor="workspace-search">Search accounts</Label>
          <Input
            id="workspace-search"
            type="search"
            placeholder="Team name, member's email or id"
            value={query}
            onChange={(event) => {
              setQuery(event.target.value);
              pages.reset();
            }}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="workspace-kind">Kind</Label>
          <select
            id="workspace-kind"
            className={selectClass}
            value={kind}
            onChange={(event) => {
              setKind(workspaceKinds.find((value) => value === event.target.value) ?? "");
              pages.reset();
            }}
          >
            <option value="">Any kind</option>
            {workspaceKinds.map((value) => <option key={value} value={value}>{kindLabel[value]}</option>)}
          </select>
        </div>
      </form>
      <Card>
        <Table aria-label="Accounts" aria-busy={(!workspaces.data && !workspaces.error) || undefined}>
          <TableHeader>
            <TableRow>
              <TableHead>Account</TableHead>
              <TableHead>Kind</TableHead>
              <TableHead>Owners</TableHead>
              <TableHead className="text-right">Members</TableHead>
              <TableHead className="text-right">Balance</TableHead>
              <TableHead>Created</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {workspaces.data?.items.map((workspace) => (
              <TableRow key={workspace.id}>
                <TableCell className="min-w-36">
                  <Link className="break-words font-medium underline-offset-4 hover:underline" href={`/admin/workspaces/${workspace.id}`}>
                    {accountName(workspace)}
                    {workspace.kind === "PERSONAL" && workspace.ownerEmails[0] ? <span className="sr-only"> of {workspace.ownerEmails[0]}</span> : null}
                  </Link>
                </TableCell>
                <TableCell><KindBadge kind={workspace.kind} deletedAt={workspace.deletedAt} /></TableCell>
                <TableCell className="min-w-44 break-all text-xs">
                  {workspace.ownerEmails.join(", ")}
                  {workspace.kind === "TEAM" && workspace.ownerEmails.length === 0 ? "—" : null}
                </TableCell>
                <TableCell className="text-right tabular-nums">{workspace.membersCount}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCredits(workspace.balance)}</TableCell>
                <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(workspace.createdAt)}</TableCell>
              </TableRow>
            ))}
            {!workspaces.data && !workspaces.error ? <TableSkeletonRows rows={5} columns={columns} /> : null}
            {workspaces.data && workspaces.data.items.length === 0 ? (
              <TableRow>
                <TableCell colSpan={columns} className="py-8 text-center text-muted-foreground">{emptyText(deferredQuery, selectedKind)}</TableCell>
              </TableRow>
            ) : null}
            {workspaces.error ? (
              <TableRow>
                <TableCell colSpan={columns} className="py-8 text-center text-destructive">The accounts could not be loaded: {workspaces.error.message}</TableCell>
              </TableRow>
            ) : null}
          </TableBody>
        </Table>
      </Card>
      <Pagination
        label="Accounts pages"
        page={pages.page}
        hasPrevious={pages.hasPrevious}
        hasNext={Boolean(workspaces.data?.nextCursor)}
        onPrevious={pages.previous}
        onNext={() => pages.next(workspaces.data?.nextCursor)}
      />
    </div>
  );
}
