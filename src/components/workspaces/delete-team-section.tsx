"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Trash2Icon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import type { ActiveWorkspaceView } from "~/components/workspaces/use-workspace";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogFooter, AlertDialogHeader, AlertDialogTitle,
  AlertDialogTrigger,
} from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";
import { appErrorOf, retryOnlyReconnectable } from "~/lib/app-error";
import { formText } from "~/lib/form-text";
import { pluralCredits } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

type Errors = { name?: string; form?: string };

/** What happens to the team's credits, said plainly before anyone types the name. */
function creditsSentence(credits: number | undefined): string {
  if (credits === undefined) return "Any credits left in its wallet are lost: they are not refunded, nor moved to another account.";
  if (credits === 0) return "Its wallet is empty.";
  return `Its ${pluralCredits(credits)} are lost: they are not refunded, nor moved to another account.`;
}

/**
 * The OWNER's danger zone (`workspaces.deleteTeam`): deleting the team,
 * confirmed by typing its name in a dialog that stays open on a wrong name
 * or a refusal (a running job). Afterwards the session is back in the
 * personal account (the memberships are gone): every query is refetched,
 * the home page shown, and a notice says what happened.
 */
export function DeleteTeamSection({ workspace }: { workspace: ActiveWorkspaceView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const summary = useQuery({ ...trpc.credits.summary.queryOptions(), retry: retryOnlyReconnectable });
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const remove = useMutation(trpc.workspaces.deleteTeam.mutationOptions({
    onSuccess: async (deleted) => {
      setOpen(false);
      toast.success(`${deleted.name} was deleted. You are in your personal account.`);
      router.push("/");
      router.refresh();
      await queryClient.invalidateQueries();
    },
    onError: (failure) => {
      const { appCode, fieldErrors } = appErrorOf(failure);
      if (appCode === "VALIDATION_ERROR") setErrors({ name: fieldErrors?.name?.[0], form: fieldErrors?._?.[0] });
      else if (appCode === "FORBIDDEN" || appCode === "NOT_FOUND") setErrors({ form: failure.message });
      else setErrors({ form: "Could not delete the team. Try again." });
    },
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = formText(new FormData(event.currentTarget), "delete-team-name").trim();
    if (!name) return setErrors({ name: "Type the team's name to confirm." });
    if (name !== workspace.name) return setErrors({ name: `Type the team's name, ${workspace.name}, exactly to confirm.` });
    setErrors({});
    remove.mutate({ name });
  }

  return (
    <Card role="region" aria-labelledby="team-delete-title" className="border-destructive/40">
      <CardHeader>
        <CardTitle id="team-delete-title">Delete the team</CardTitle>
        <CardDescription>
          Every member loses access at once; its API keys, webhooks, saved cards and pending invitations go with it. Its jobs and
          statement are kept for our accounting records. This cannot be undone.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <AlertDialog open={open} onOpenChange={(next) => { setOpen(next); setErrors({}); }}>
          <AlertDialogTrigger asChild>
            <Button variant="destructive"><Trash2Icon aria-hidden /> Delete team…</Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Delete the team">
              <AlertDialogHeader>
                <AlertDialogTitle className="break-words">Delete {workspace.name}?</AlertDialogTitle>
                <AlertDialogDescription>
                  {creditsSentence(summary.data?.available)} Every member goes back to their personal account. Type the team&apos;s name to confirm.
                </AlertDialogDescription>
              </AlertDialogHeader>
              {errors.form ? <Alert variant="destructive"><AlertDescription className="mt-0">{errors.form}</AlertDescription></Alert> : null}
              <FormField id="delete-team-name" label="Team name" autoComplete="off" spellCheck={false} maxLength={200} error={errors.name} />
              <AlertDialogFooter>
                <AlertDialogCancel type="button">Keep the team</AlertDialogCancel>
                <Button type="submit" variant="destructive" disabled={remove.isPending}>
                  {remove.isPending ? "Deleting…" : "Delete this team"}
                </Button>
              </AlertDialogFooter>
            </form>
          </AlertDialogContent>
        </AlertDialog>
      </CardContent>
    </Card>
  );
}
