"use client";

import { MailCheckIcon } from "lucide-react";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { emailPattern } from "~/shared/password-rules";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { accountPaths } from "~/shared/account-paths";
import { authClient } from "~/lib/auth-client";
import { formText } from "~/lib/form-text";

/**
 * Asks for a reset link. The answer is the same whether or not an account
 * has this email (better-auth answers the same, and the mail is sent in the
 * background), so the page never tells who is registered.
 */
export function ForgotPasswordForm() {
  const [error, setError] = useState<string>();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = formText(new FormData(event.currentTarget), "email").trim();
    setError(undefined);
    if (!emailPattern.test(email)) return setError("Enter a valid email address.");
    setPending(true);
    const result = await authClient.requestPasswordReset({ email, redirectTo: accountPaths.resetPassword });
    setPending(false);
    if (result.error) return setError(result.error.status === 429 ? "Too many attempts. Wait a minute and try again." : "Could not send the link. Try again.");
    setSentTo(email);
  }

  return (
    <Card className="mx-auto w-full max-w-sm">
      <CardHeader>
        <CardTitle as="h1" className="text-xl">Reset your password</CardTitle>
        <CardDescription>We mail you a link to choose a new one.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {sentTo ? (
          <Alert variant="success">
            <MailCheckIcon aria-hidden />
            <AlertDescription className="mt-0">
              If an account exists for <strong>{sentTo}</strong>, a link to reset its password is on its way. It works for one hour.
            </AlertDescription>
          </Alert>
        ) : (
          <form onSubmit={onSubmit} noValidate aria-label="Reset your password" className="flex flex-col gap-4">
            <FormField id="email" label="Email" type="email" autoComplete="email" error={error} />
            <Button type="submit" disabled={pending} className="w-full">{pending ? "Please wait…" : "Send the link"}</Button>
          </form>
        )}
        <p className="text-center text-sm text-muted-foreground">
          Remembered it? <Link href="/sign-in" className="font-medium text-primary underline-offset-4 hover:underline">Sign in</Link>
        </p>
      </CardContent>
    </Card>
  );
}
