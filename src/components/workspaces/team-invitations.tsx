"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MailIcon } from "lucide-react";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import type { ActiveWorkspaceView } from "~/components/workspaces/use-workspace";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError, Label } from "~/components/ui/label";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formatDateTime } from "~/lib/format";
import { formText } from "~/lib/form-text";
import { roleHelp, roleLabel } from "~/lib/workspace-roles";
import { inviteInput } from "~/shared/schemas/workspaces";
import { useTRPC } from "~/trpc/react";

type InvitationRole = "ADMIN" | "MEMBER";

/** Inviting by mail (ADMIN and OWNER; only an OWNER may invite an admin) and the pending invitations, each revocable. */
export function TeamInvitations({ workspace }: { workspace: ActiveWorkspaceView }) {
  const trpc = useTRPC();
  const invitations = useQuery(trpc.workspaces.invitations.queryOptions());
  return (
    <Card role="region" aria-labelledby="team-invite-title">
      <CardHeader>
        <CardTitle id="team-invite-title">Invite people</CardTitle>
        <CardDescription>We mail them a link to join {workspace.name}. It works once, for that address, within 7 days.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-6">
        <InviteForm ownerView={workspace.role === "OWNER"} />
        <div className="flex flex-col gap-2">
          <h3 className="text-sm font-medium" id="pending-invitations-title">Pending invitations</h3>
          {!invitations.data ? (
            <p className="text-sm text-muted-foreground">Loading…</p>
          ) : invitations.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">None: everyone invited has joined, or nobody was invited yet.</p>
          ) : (
            <ul className="flex flex-col divide-y rounded-md border" aria-labelledby="pending-invitations-title">
              {invitations.data.map((invitation) => (
                <li key={invitation.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 p-3 text-sm" data-testid="invitation-row">
                  <MailIcon aria-hidden className="size-4 text-muted-foreground" />
                  <span className="min-w-0 break-all font-medium">{invitation.email}</span>
                  <Badge variant="outline">{roleLabel[invitation.role]}</Badge>
                  <span className="text-xs text-muted-foreground">expires {formatDateTime(invitation.expiresAt)}</span>
                  {invitation.role === "ADMIN" && workspace.role !== "OWNER" ? null : <RevokeButton id={invitation.id} email={invitation.email} />}
                </li>
              ))}
            </ul>
          )}
        </div>
      </CardContent>
    </Card>
  );
}

function InviteForm({ ownerView }: { ownerView: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<InvitationRole>("MEMBER");
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const invite = useMutation(trpc.workspaces.invite.mutationOptions({
    onSuccess: ({ invitation }) => {
      toast.success(`Invitation sent to ${invitation.email}`);
      setErrors({});
    },
    onError: (failure) => {
      const { appCode, fieldErrors } = appErrorOf(failure);
      if (appCode === "VALIDATION_ERROR") setErrors(fieldErrors && Object.keys(fieldErrors).length ? fieldErrors : { _: [failure.message] });
      else if (appCode === "FORBIDDEN") setErrors({ role: [failure.message] });
      else toast.error("Could not send the invitation. Try again.");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.workspaces.invitations.queryKey() }),
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const parsed = inviteInput.safeParse({ email: formText(new FormData(form), "invite-email").trim(), role });
    if (!parsed.success) {
      const local: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) (local[String(issue.path[0] ?? "_")] ??= []).push(issue.message);
      setErrors(local);
      return;
    }
    setErrors({});
    invite.mutate(parsed.data, { onSuccess: () => form.reset() });
  }

  const roles: InvitationRole[] = ownerView ? ["MEMBER", "ADMIN"] : ["MEMBER"];
  return (
    <form className="flex flex-col gap-3" onSubmit={onSubmit} noValidate aria-label="Invite by email">
      <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_12rem]">
        <FormField id="invite-email" label="Email address" type="email" autoComplete="off" required error={errors.email?.[0]} />
        <div className="flex flex-col gap-2">
          <Label htmlFor="invite-role">Role</Label>
          <select
            id="invite-role"
            value={role}
            onChange={(event) => setRole(event.target.value as InvitationRole)}
            aria-describedby="invite-role-help"
            aria-invalid={!!errors.role || undefined}
            className="h-9 rounded-md border bg-background px-3 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            {roles.map((choice) => <option key={choice} value={choice}>{roleLabel[choice]}</option>)}
          </select>
          <p id="invite-role-help" className="text-xs text-muted-foreground">{roleHelp[role]}</p>
          {errors.role?.[0] ? <FieldError>{errors.role[0]}</FieldError> : null}
        </div>
      </div>
      {errors._?.[0] ? <FieldError role="alert">{errors._[0]}</FieldError> : null}
      <Button type="submit" className="self-start" disabled={invite.isPending}>{invite.isPending ? "Sending…" : "Send invitation"}</Button>
    </form>
  );
}

function RevokeButton({ id, email }: { id: string; email: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(trpc.workspaces.revokeInvitation.mutationOptions({
    onSuccess: () => toast.success(`Invitation to ${email} revoked`),
    onError: (failure) => toast.error(appErrorOf(failure).appCode === "NOT_FOUND" ? "This invitation is no longer pending." : "Could not revoke. Try again."),
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.workspaces.invitations.queryKey() }),
  }));
  return (
    <Button variant="ghost" size="sm" className="ml-auto" disabled={revoke.isPending} onClick={() => revoke.mutate({ invitationId: id })}>
      Revoke<span className="sr-only"> the invitation to {email}</span>
    </Button>
  );
}
