"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LogOutIcon, PlusIcon, UsersIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { CreateTeamDialog } from "~/components/workspaces/create-team-dialog";
import { DeleteTeamSection } from "~/components/workspaces/delete-team-section";
import { TeamInvitations } from "~/components/workspaces/team-invitations";
import { TeamMembers } from "~/components/workspaces/team-members";
import { useActiveWorkspace, type ActiveWorkspaceView } from "~/components/workspaces/use-workspace";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription,
  AlertDialogFooter, AlertDialogHeader, AlertDialogTitle, AlertDialogTrigger,
} from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formText } from "~/lib/form-text";
import { roleAtLeast } from "~/lib/workspace-roles";
import { renameTeamInput } from "~/shared/schemas/workspaces";
import { useTRPC } from "~/trpc/react";

/**
 * The active team's page (SPEC §9): its name and settings, members,
 * invitations, leaving, and (its owners) deleting it. What the viewer's role may not change is shown
 * read-only; on a personal account, how to start a team.
 */
export function TeamSettings({ initial }: { initial: ActiveWorkspaceView }) {
  const workspace = useActiveWorkspace(initial).data ?? initial;
  if (workspace.kind === "PERSONAL") return <PersonalEmptyState />;
  return (
    <div className="flex max-w-4xl flex-col gap-6">
      <GeneralSection workspace={workspace} />
      <TeamMembers workspace={workspace} />
      {roleAtLeast(workspace.role, "ADMIN") ? <TeamInvitations workspace={workspace} /> : null}
      <LeaveSection workspace={workspace} />
      {workspace.role === "OWNER" ? <DeleteTeamSection workspace={workspace} /> : null}
    </div>
  );
}

function PersonalEmptyState() {
  const [creating, setCreating] = useState(false);
  return (
    <>
      <EmptyState
        icon={<UsersIcon />}
        title="You are in your personal account"
        description={
          <>
            A team shares one wallet: credits you buy for it, its API keys and budgets, with a role for each member.
            Create one, or switch to a team you belong to with the workspace menu in the header.
          </>
        }
        action={<Button onClick={() => setCreating(true)}><PlusIcon aria-hidden /> Create a team</Button>}
      />
      <CreateTeamDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}

function GeneralSection({ workspace }: { workspace: ActiveWorkspaceView }) {
  return (
    <Card role="region" aria-labelledby="team-general-title">
      <CardHeader>
        <CardTitle id="team-general-title">General</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-6">
        {roleAtLeast(workspace.role, "ADMIN") ? (
          <RenameForm name={workspace.name} />
        ) : (
          <p className="text-sm"><span className="font-medium">Name:</span> {workspace.name}</p>
        )}
        <StatementSwitch workspace={workspace} />
      </CardContent>
    </Card>
  );
}

function RenameForm({ name }: { name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [error, setError] = useState<string | undefined>();
  const rename = useMutation(trpc.workspaces.rename.mutationOptions({
    onSuccess: async () => {
      toast.success("Team renamed");
      await queryClient.invalidateQueries({ queryKey: trpc.workspaces.pathKey() });
      router.refresh();
    },
    onError: (failure) => {
      const { appCode, fieldErrors } = appErrorOf(failure);
      if (appCode === "VALIDATION_ERROR") setError(fieldErrors?.name?.[0] ?? "Check the name.");
      else if (appCode === "FORBIDDEN") setError("Only the team's owners and admins may rename it.");
      else toast.error("Could not rename the team. Try again.");
    },
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = renameTeamInput.safeParse({ name: formText(new FormData(event.currentTarget), "team-rename") });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    rename.mutate(parsed.data);
  }

  return (
    <form className="flex flex-col gap-3 sm:flex-row sm:items-start" onSubmit={onSubmit} noValidate aria-label="Rename the team">
      <div className="flex-1 sm:max-w-sm">
        <FormField id="team-rename" label="Team name" defaultValue={name} maxLength={80} required error={error} autoComplete="organization" />
      </div>
      <Button type="submit" variant="outline" className="sm:mt-6" disabled={rename.isPending}>{rename.isPending ? "Saving…" : "Save name"}</Button>
    </form>
  );
}

/** The OWNER's switch: whether members may read the team's statement (SPEC §9). Others see the setting. */
function StatementSwitch({ workspace }: { workspace: ActiveWorkspaceView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const set = useMutation(trpc.workspaces.setStatementVisibility.mutationOptions({
    onSuccess: (_data, input) => toast.success(input.membersSeeStatement ? "Members can now see the statement" : "The statement is now for owners and admins"),
    onError: () => toast.error("Could not change the setting. Try again."),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: trpc.workspaces.activeView.queryKey() });
      router.refresh();
    },
  }));
  const on = set.isPending && set.variables ? set.variables.membersSeeStatement : workspace.membersSeeStatement;
  if (workspace.role !== "OWNER") {
    return (
      <p className="text-sm text-muted-foreground">
        {workspace.membersSeeStatement ? "Members can see the team's statement." : "The team's statement is for its owners and admins."}
      </p>
    );
  }
  return (
    <div className="flex items-start justify-between gap-4">
      <div className="flex flex-col gap-1">
        <span id="statement-switch-label" className="text-sm font-medium">Members can see the team&apos;s statement</span>
        <span id="statement-switch-help" className="text-xs text-muted-foreground">
          Owners and admins always can. Members always see the balance and their own jobs.
        </span>
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        aria-labelledby="statement-switch-label"
        aria-describedby="statement-switch-help"
        disabled={set.isPending}
        onClick={() => set.mutate({ membersSeeStatement: !on })}
        className="relative inline-flex h-6 w-11 shrink-0 items-center rounded-full border-2 border-transparent bg-input transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring aria-checked:bg-primary disabled:opacity-60"
      >
        <span aria-hidden className={`block size-5 rounded-full bg-background shadow transition-transform ${on ? "translate-x-5" : "translate-x-0"}`} />
      </button>
    </div>
  );
}

function LeaveSection({ workspace }: { workspace: ActiveWorkspaceView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const leave = useMutation(trpc.workspaces.leave.mutationOptions({
    onSuccess: async () => {
      toast.success(`You left ${workspace.name}`);
      // The session falls back to the personal account (the membership is gone).
      router.push("/");
      router.refresh();
      await queryClient.invalidateQueries();
    },
    onError: (failure) => {
      // VALIDATION_ERROR: the last owner; its message says what to do first.
      setError(appErrorOf(failure).appCode === "VALIDATION_ERROR" ? failure.message : "Could not leave the team. Try again.");
    },
  }));
  return (
    <Card role="region" aria-labelledby="team-leave-title">
      <CardHeader>
        <CardTitle id="team-leave-title">Leave the team</CardTitle>
        <CardDescription>You lose access to its wallet, jobs and keys. Someone has to invite you again to come back.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {error ? (
          <Alert variant="destructive" data-testid="leave-error">
            <div>
              <AlertTitle>You cannot leave yet</AlertTitle>
              <AlertDescription>{error}</AlertDescription>
            </div>
          </Alert>
        ) : null}
        <AlertDialog>
          <AlertDialogTrigger asChild>
            <Button variant="outline" className="self-start" disabled={leave.isPending}><LogOutIcon aria-hidden /> Leave team</Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogHeader>
              <AlertDialogTitle>Leave {workspace.name}?</AlertDialogTitle>
              <AlertDialogDescription>You will be back in your personal account. The team keeps what you spent in its statement.</AlertDialogDescription>
            </AlertDialogHeader>
            <AlertDialogFooter>
              <AlertDialogCancel>Stay</AlertDialogCancel>
              <AlertDialogAction variant="destructive" onClick={() => { setError(null); leave.mutate(); }}>Leave team</AlertDialogAction>
            </AlertDialogFooter>
          </AlertDialogContent>
        </AlertDialog>
      </CardContent>
    </Card>
  );
}
