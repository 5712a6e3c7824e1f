"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Trash2Icon } from "lucide-react";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogFooter, AlertDialogHeader, AlertDialogTitle,
  AlertDialogTrigger,
} from "~/components/ui/dialog";
import { SecretForm } from "~/components/ui/secret-form";
import { accountPaths } from "~/shared/account-paths";
import { formPostPaths, type FormPostError } from "~/shared/form-posts";
import { appErrorOf, retryOnlyReconnectable } from "~/lib/app-error";
import { authClient } from "~/lib/auth-client";
import { pluralCredits } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { formText } from "~/lib/form-text";

/** "A", "A and B", "A, B and C". */
function listOf(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** What a deletion posted without JavaScript came back with (`?delete=`), said under the button. */
function postedMessage(posted: FormPostError | null): string | null {
  switch (posted) {
    case null:
      return null;
    case "wrong-password":
      return "Wrong password: the account was not deleted.";
    case "busy":
      return "Cancel your running jobs or wait for them to finish first: the account was not deleted.";
    case "last-owner":
      return "You are the last owner of a team: make another member owner, or delete the team, first. The account was not deleted.";
    default:
      return "Could not delete the account. Try again.";
  }
}

/**
 * Deleting the account (`account.delete`), confirmed with the password in
 * a dialog that stays open on a wrong password. Afterwards the cookie is
 * cleared, every cached query dropped, and the tab reloads on a goodbye page.
 * The form posts to a route too (never a GET with the password in the URL);
 * `posted` is what that route said. The last owner of a team is told which
 * before they start (account.deletionPreview), and again in place if the
 * deletion is refused for it (`fieldErrors.teams`).
 */
export function DeleteAccountSection({ posted = null }: { posted?: FormPostError | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // The personal wallet's credits (not the active team's, which stay with the team) and the teams that block a deletion.
  const preview = useQuery({ ...trpc.account.deletionPreview.queryOptions(), retry: retryOnlyReconnectable });
  const [open, setOpen] = useState(false);
  const [errors, setErrors] = useState<{ password?: string; form?: string }>({});
  const remove = useMutation(trpc.account.delete.mutationOptions({
    onSuccess: async () => {
      await authClient.signOut().catch(() => undefined);
      queryClient.clear();
      // A full page load: nothing of the account stays in this tab's memory.
      window.location.replace(accountPaths.deleted);
    },
    onError: (error) => {
      const { appCode, fieldErrors } = appErrorOf(error);
      if (appCode === "VALIDATION_ERROR") setErrors({ password: fieldErrors?.password?.[0], form: fieldErrors?._?.[0] ?? fieldErrors?.teams?.[0] });
      else setErrors({ form: "Could not delete the account. Try again." });
      // A team's owners may have changed meanwhile: say so on the page too.
      void queryClient.invalidateQueries({ queryKey: trpc.account.deletionPreview.queryKey() });
    },
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = formText(new FormData(event.currentTarget), "delete-password");
    if (!password) return setErrors({ password: "Enter your password." });
    setErrors({});
    remove.mutate({ password });
  }

  const credits = preview.data?.credits ?? 0;
  const lastOwnerOf = preview.data?.lastOwnerOf ?? [];
  return (
    <Card aria-labelledby="delete-title" className="border-destructive/40">
      <CardHeader>
        <CardTitle id="delete-title">Delete account</CardTitle>
        <CardDescription>
          Your name, email and password are removed and you are signed out everywhere. Your jobs and credit ledger
          are kept, anonymised, for our accounting records. This cannot be undone.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col items-start gap-3">
        {postedMessage(posted) ? <Alert variant="destructive"><AlertDescription className="mt-0">{postedMessage(posted)}</AlertDescription></Alert> : null}
        {lastOwnerOf.length > 0 ? (
          <Alert data-testid="last-owner-notice">
            <AlertDescription className="mt-0">
              You are the last owner of {listOf(lastOwnerOf)}. Make another member owner, or delete {lastOwnerOf.length === 1 ? "the team" : "the teams"}, before
              you delete your account: switch to {lastOwnerOf.length === 1 ? "it" : "each"} in the workspace menu, then open <Link href="/settings/team" className="underline underline-offset-4">Team</Link>.
            </AlertDescription>
          </Alert>
        ) : null}
        <AlertDialog open={open} onOpenChange={(next) => { setOpen(next); setErrors({}); }}>
          <AlertDialogTrigger asChild>
            <Button variant="destructive"><Trash2Icon aria-hidden /> Delete account…</Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <SecretForm action={formPostPaths.deleteAccount} onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Delete account">
              <AlertDialogHeader>
                <AlertDialogTitle>Delete your account?</AlertDialogTitle>
                <AlertDialogDescription>
                  {credits > 0 ? `Your ${pluralCredits(credits)} will be lost. ` : ""}Enter your password to confirm.
                </AlertDialogDescription>
              </AlertDialogHeader>
              {errors.form ? <Alert variant="destructive"><AlertDescription className="mt-0">{errors.form}</AlertDescription></Alert> : null}
              <FormField id="delete-password" label="Password" type="password" autoComplete="current-password" error={errors.password} />
              <AlertDialogFooter>
                <AlertDialogCancel type="button">Keep my account</AlertDialogCancel>
                <Button type="submit" variant="destructive" disabled={remove.isPending}>
                  {remove.isPending ? "Deleting…" : "Delete my account"}
                </Button>
              </AlertDialogFooter>
            </SecretForm>
          </AlertDialogContent>
        </AlertDialog>
      </CardContent>
    </Card>
  );
}
