"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";

import type { ActiveWorkspaceView } from "~/components/workspaces/use-workspace";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription,
  AlertDialogFooter, AlertDialogHeader, AlertDialogTitle, AlertDialogTrigger,
} from "~/components/ui/dialog";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow, TableSkeletonRows } from "~/components/ui/table";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { roleLabel, type WorkspaceRole } from "~/lib/workspace-roles";
import { useTRPC } from "~/trpc/react";

type Member = { userId: string; name: string; email: string; role: WorkspaceRole };

/** The roles `viewer` may give `member` (SPEC §9): an owner any, an admin MEMBER ↔ ADMIN of non-owners; nobody their own. */
function assignableRoles(viewer: WorkspaceRole, member: Member, self: boolean): WorkspaceRole[] {
  if (self) return [];
  if (viewer === "OWNER") return ["OWNER", "ADMIN", "MEMBER"];
  if (viewer === "ADMIN" && member.role !== "OWNER") return ["ADMIN", "MEMBER"];
  return [];
}

/** Whether `viewer` may remove `member`: owners anyone else, admins non-owners. */
function mayRemove(viewer: WorkspaceRole, member: Member, self: boolean): boolean {
  return !self && (viewer === "OWNER" || (viewer === "ADMIN" && member.role !== "OWNER"));
}

/** The team's members: name, email and role; a role select and Remove where the viewer may. */
export function TeamMembers({ workspace }: { workspace: ActiveWorkspaceView }) {
  const trpc = useTRPC();
  const members = useQuery(trpc.workspaces.members.queryOptions());
  const me = useQuery(trpc.account.me.queryOptions());
  useUnauthorizedRedirect(members.error);
  return (
    <Card role="region" aria-labelledby="team-members-title">
      <CardHeader>
        <CardTitle id="team-members-title">Members</CardTitle>
        <CardDescription>
          Owners handle billing; admins manage members, API keys, budgets and webhooks; members generate within their budget.
        </CardDescription>
      </CardHeader>
      <Table aria-labelledby="team-members-title">
        <TableHeader>
          <TableRow>
            <TableHead>Name</TableHead>
            <TableHead className="hidden sm:table-cell">Email</TableHead>
            <TableHead>Role</TableHead>
            {workspace.role !== "MEMBER" ? <TableHead className="hidden sm:table-cell"><span className="sr-only">Actions</span></TableHead> : null}
          </TableRow>
        </TableHeader>
        <TableBody>
          {members.data ? (
            members.data.map((member) => {
              const self = member.userId === me.data?.id;
              return <MemberRow key={member.userId} member={member} self={self} viewer={workspace.role} teamName={workspace.name} />;
            })
          ) : (
            <TableSkeletonRows rows={2} columns={workspace.role !== "MEMBER" ? 4 : 3} />
          )}
        </TableBody>
      </Table>
    </Card>
  );
}

function MemberRow({ member, self, viewer, teamName }: { member: Member; self: boolean; viewer: WorkspaceRole; teamName: string }) {
  const roles = assignableRoles(viewer, member, self);
  const actions = mayRemove(viewer, member, self) ? (
    <RemoveMember member={member} teamName={teamName} />
  ) : self && viewer === "OWNER" ? (
    <StepDown teamName={teamName} />
  ) : null;
  return (
    <TableRow data-testid="member-row">
      <TableCell className="max-w-48">
        <span className="block truncate font-medium">{member.name}{self ? <span className="text-muted-foreground"> (you)</span> : null}</span>
        <span className="block truncate text-xs text-muted-foreground sm:hidden">{member.email}</span>
      </TableCell>
      <TableCell className="hidden max-w-64 truncate text-muted-foreground sm:table-cell">{member.email}</TableCell>
      <TableCell>
        {roles.length > 0 ? <RoleSelect member={member} roles={roles} /> : <Badge variant={member.role === "MEMBER" ? "secondary" : "outline"}>{roleLabel[member.role]}</Badge>}
        {/* On a phone the actions sit under the role: a column of their own would scroll out of the table's box. */}
        {actions ? <div className="mt-1 flex flex-col items-start sm:hidden">{actions}</div> : null}
      </TableCell>
      {viewer !== "MEMBER" ? <TableCell className="hidden text-right sm:table-cell">{actions}</TableCell> : null}
    </TableRow>
  );
}

function RoleSelect({ member, roles }: { member: Member; roles: WorkspaceRole[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const change = useMutation(trpc.workspaces.changeRole.mutationOptions({
    onSuccess: (view) => {
      setError(null);
      toast.success(`${view.name} is now ${roleLabel[view.role].toLowerCase()}`);
    },
    onError: (failure) => {
      const { appCode } = appErrorOf(failure);
      // VALIDATION_ERROR: the last owner; FORBIDDEN: a role this viewer may not give. Both say why.
      setError(appCode === "VALIDATION_ERROR" || appCode === "FORBIDDEN" ? failure.message : "Could not change the role. Try again.");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.workspaces.members.queryKey() }),
  }));
  const id = `role-${member.userId}`;
  const value = change.isPending && change.variables ? change.variables.role : member.role;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="sr-only">Role of {member.name}</label>
      <select
        id={id}
        value={value}
        disabled={change.isPending}
        aria-invalid={!!error || undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => change.mutate({ userId: member.userId, role: event.target.value as WorkspaceRole })}
        className="h-8 rounded-md border bg-background px-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
      >
        {roles.includes(member.role) ? null : <option value={member.role}>{roleLabel[member.role]}</option>}
        {roles.map((role) => <option key={role} value={role}>{roleLabel[role]}</option>)}
      </select>
      {error ? <p id={`${id}-error`} className="max-w-56 text-xs text-destructive">{error}</p> : null}
    </div>
  );
}

function RemoveMember({ member, teamName }: { member: Member; teamName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.workspaces.removeMember.mutationOptions({
    onSuccess: () => toast.success(`${member.name} was removed from ${teamName}`),
    onError: (failure) => {
      const { appCode } = appErrorOf(failure);
      toast.error(appCode === "VALIDATION_ERROR" || appCode === "FORBIDDEN" ? failure.message : appCode === "NOT_FOUND" ? "Already removed." : "Could not remove the member. Try again.");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.workspaces.members.queryKey() }),
  }));
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={remove.isPending}>Remove<span className="sr-only"> {member.name}</span></Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Remove {member.name} from {teamName}?</AlertDialogTitle>
          <AlertDialogDescription>
            They lose access to the team&apos;s wallet, jobs and keys at once. What they spent stays in the statement.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Keep {member.name}</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={() => remove.mutate({ userId: member.userId })}>Remove member</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/**
 * An owner's own role: step down to admin (SPEC §9), confirmed first. The
 * last owner is refused (VALIDATION_ERROR, the database refuses it too),
 * and the refusal is shown here, under the button.
 */
function StepDown({ teamName }: { teamName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const me = useQuery(trpc.account.me.queryOptions());
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const stepDown = useMutation(trpc.workspaces.changeRole.mutationOptions({
    onSuccess: async () => {
      setError(null);
      toast.success(`You are now an admin of ${teamName}`);
      // The role is the session's: the page shows what an admin may do from now on.
      await queryClient.invalidateQueries({ queryKey: trpc.workspaces.pathKey() });
      router.refresh();
    },
    onError: (failure) => {
      const { appCode } = appErrorOf(failure);
      setError(appCode === "VALIDATION_ERROR" || appCode === "FORBIDDEN" ? failure.message : "Could not change your role. Try again.");
    },
  }));
  const userId = me.data?.id;
  return (
    <div className="flex flex-col items-start gap-1 sm:items-end">
      <AlertDialog>
        <AlertDialogTrigger asChild>
          <Button variant="ghost" size="sm" disabled={stepDown.isPending || !userId} aria-describedby={error ? errorId : undefined}>
            Step down<span className="sr-only"> to admin</span>
          </Button>
        </AlertDialogTrigger>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>Step down to admin?</AlertDialogTitle>
            <AlertDialogDescription>
              You keep managing members, API keys, budgets and webhooks of {teamName}. Billing and deleting the team stay with its
              other owners, and only an owner can make you one again.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Stay owner</AlertDialogCancel>
            <AlertDialogAction onClick={() => { setError(null); if (userId) stepDown.mutate({ userId, role: "ADMIN" }); }}>Step down</AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      {error ? <p id={errorId} role="alert" data-testid="step-down-error" className="max-w-56 text-left text-xs text-destructive">{error}</p> : null}
    </div>
  );
}
