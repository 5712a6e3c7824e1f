"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";

import { FormField } from "~/components/account/form-field";
import { useSwitchWorkspace } from "~/components/workspaces/use-workspace";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formText } from "~/lib/form-text";
import { createTeamInput } from "~/shared/schemas/workspaces";
import { useTRPC } from "~/trpc/react";

/**
 * "Create a team": its name (checked with the server's schema first, the
 * server's field errors shown on the field), then the session switches to
 * the new team, as OpenAI and Vercel do after creating one.
 */
export function CreateTeamDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Create a team</DialogTitle>
          <DialogDescription>
            A team has its own wallet, API keys and budgets. You will be its owner and can invite people once it exists.
          </DialogDescription>
        </DialogHeader>
        {open ? <CreateTeamForm onDone={() => onOpenChange(false)} cancel={<Button type="button" variant="ghost" onClick={() => onOpenChange(false)}>Cancel</Button>} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function CreateTeamForm({ onDone, cancel }: { onDone: () => void; cancel: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const switchTo = useSwitchWorkspace();
  const [error, setError] = useState<string | undefined>();
  const create = useMutation(trpc.workspaces.createTeam.mutationOptions({
    onSuccess: async (team) => {
      await queryClient.invalidateQueries({ queryKey: trpc.workspaces.listMine.queryKey() });
      await switchTo.mutateAsync({ workspaceId: team.id });
      onDone();
    },
    onError: (failure) => {
      const { appCode, fieldErrors } = appErrorOf(failure);
      if (appCode === "VALIDATION_ERROR") setError(fieldErrors?.name?.[0] ?? "Check the name.");
      else toast.error("Could not create the team. Try again.");
    },
  }));
  const busy = create.isPending || switchTo.isPending;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = createTeamInput.safeParse({ name: formText(new FormData(event.currentTarget), "team-name") });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    create.mutate(parsed.data);
  }

  return (
    <form className="flex flex-col gap-4" onSubmit={onSubmit} noValidate aria-label="New team">
      <FormField id="team-name" label="Team name" autoComplete="organization" maxLength={80} required autoFocus error={error} hint="What members see in the switcher and in mails. You can rename it later." />
      <DialogFooter>
        {cancel}
        <Button type="submit" disabled={busy}>{busy ? "Creating…" : "Create team"}</Button>
      </DialogFooter>
    </form>
  );
}
