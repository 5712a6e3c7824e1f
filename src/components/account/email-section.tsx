"use client";

import { useMutation } from "@tanstack/react-query";
import { MailCheckIcon, MailIcon } from "lucide-react";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { emailPattern } from "~/shared/password-rules";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { toast } from "~/components/ui/toaster";
import { accountPaths } from "~/shared/account-paths";
import { authClient } from "~/lib/auth-client";
import { formText } from "~/lib/form-text";

/** Resends the verification link of the signed-in account (a toast says where it went). */
export function useResendVerification(email: string) {
  return useMutation({
    mutationFn: async () => {
      const result = await authClient.sendVerificationEmail({ email, callbackURL: accountPaths.emailVerified });
      if (result.error) throw new Error(result.error.message ?? "Could not send the email.");
    },
    onSuccess: () => toast.success(`Verification email sent to ${email}`),
    onError: () => toast.error("Could not send the verification email. Try again in a minute."),
  });
}

/**
 * The account's email: whether it is verified (with a resend), and a change
 * of address, which better-auth applies only once the link mailed to the
 * NEW address is clicked (it answers the same whether or not the address is
 * taken, so the form never tells).
 */
export function EmailSection({ email, verified }: { email: string; verified: boolean }) {
  const resend = useResendVerification(email);
  const [error, setError] = useState<string>();
  const [pendingAddress, setPendingAddress] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: async (newEmail: string) => {
      const result = await authClient.changeEmail({ newEmail, callbackURL: accountPaths.emailChanged });
      if (result.error) throw Object.assign(new Error(result.error.message ?? "Could not change the email."), { status: result.error.status });
      return newEmail;
    },
    onSuccess: (newEmail) => {
      setPendingAddress(newEmail);
      toast.success(`Check ${newEmail} for a link to confirm the change`);
    },
    onError: (failure: Error) => setError(/same/i.test(failure.message) ? "This is already your email." : "Could not change the email. Try again."),
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const newEmail = formText(new FormData(form), "new-email").trim().toLowerCase();
    setError(undefined);
    if (!emailPattern.test(newEmail)) return setError("Enter a valid email address.");
    if (newEmail === email.toLowerCase()) return setError("This is already your email.");
    change.mutate(newEmail, { onSuccess: () => form.reset() });
  }

  return (
    <Card aria-labelledby="email-title">
      <CardHeader>
        <CardTitle id="email-title">Email</CardTitle>
        <CardDescription>Where we send sign-in help and receipts.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-5">
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <MailIcon className="size-4 text-muted-foreground" aria-hidden />
          <span className="font-medium" data-testid="account-email">{email}</span>
          {verified ? <Badge variant="success"><MailCheckIcon className="size-3" aria-hidden /> Verified</Badge> : <Badge variant="warning">Not verified</Badge>}
          {verified ? null : (
            <Button variant="link" size="sm" className="h-auto px-1" disabled={resend.isPending} onClick={() => resend.mutate()}>
              Resend verification email
            </Button>
          )}
        </div>
        {pendingAddress ? (
          <Alert variant="info">
            <AlertDescription className="mt-0">
              We sent a link to <strong>{pendingAddress}</strong>. Your email changes when you click it.
            </AlertDescription>
          </Alert>
        ) : null}
        <form onSubmit={onSubmit} noValidate aria-label="Change email" className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="flex-1">
            <FormField id="new-email" label="New email" type="email" autoComplete="email" error={error} />
          </div>
          <Button type="submit" disabled={change.isPending}>{change.isPending ? "Sending…" : "Change email"}</Button>
        </form>
      </CardContent>
    </Card>
  );
}
