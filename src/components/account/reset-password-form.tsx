"use client";

import { AlertTriangleIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { SecretForm } from "~/components/ui/secret-form";
import { toast } from "~/components/ui/toaster";
import { authClient } from "~/lib/auth-client";
import { formText } from "~/lib/form-text";
import { formPostPaths, type FormPostError } from "~/shared/form-posts";
import { newPasswordErrors, newPasswordErrorsOfPost, passwordMaxChars, passwordMinChars } from "~/shared/password-rules";

function BadLink() {
  return (
    <Alert variant="destructive">
      <AlertTriangleIcon aria-hidden />
      <div>
        <AlertTitle>This link is invalid or has expired</AlertTitle>
        <AlertDescription>
          Reset links work once, for one hour. <Link href="/forgot-password" className="font-medium underline underline-offset-4">Ask for a new one</Link>.
        </AlertDescription>
      </div>
    </Alert>
  );
}

type Errors = { password?: string; confirm?: string };

/** What the form route said about a new password posted without JavaScript. */
function errorsOfPost(problem: FormPostError | null): Errors {
  if (problem === null) return {};
  return newPasswordErrorsOfPost(problem) ?? { password: "Could not reset the password." };
}

/**
 * The new-password form a reset link opens (`?token=` from better-auth's
 * redirect, or `?error=` when the link was bad; `problem` is what a post
 * without JavaScript came back with). Success signs every session out
 * (revokeSessionsOnPasswordReset) and goes to sign-in.
 */
export function ResetPasswordForm({ token, linkError, problem }: { token: string | null; linkError: boolean; problem: FormPostError | null }) {
  const router = useRouter();
  const [errors, setErrors] = useState<Errors>(() => errorsOfPost(problem));
  const [expired, setExpired] = useState(linkError || !token);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const newPassword = formText(data, "new-password");
    const found = newPasswordErrors(newPassword, formText(data, "confirm-password"));
    setErrors(found);
    if (Object.keys(found).length > 0 || !token) return;
    setPending(true);
    const result = await authClient.resetPassword({ newPassword, token });
    setPending(false);
    if (result.error) {
      if (result.error.code === "INVALID_TOKEN") setExpired(true);
      else setErrors({ password: result.error.message ?? "Could not reset the password." });
      return;
    }
    toast.success("Password changed. Sign in with your new password.");
    router.replace("/sign-in");
  }

  return (
    <Card className="mx-auto w-full max-w-sm">
      <CardHeader>
        <CardTitle as="h1" className="text-xl">Choose a new password</CardTitle>
        <CardDescription>At least {passwordMinChars} characters. You will be signed out everywhere.</CardDescription>
      </CardHeader>
      <CardContent>
        {expired ? (
          <BadLink />
        ) : (
          <SecretForm action={formPostPaths.resetPassword} onSubmit={onSubmit} noValidate aria-label="Choose a new password" className="flex flex-col gap-4">
            <input type="hidden" name="token" value={token ?? ""} />
            <FormField id="new-password" label="New password" type="password" autoComplete="new-password" error={errors.password}
              required minLength={passwordMinChars} maxLength={passwordMaxChars} />
            <FormField id="confirm-password" label="Confirm new password" type="password" autoComplete="new-password" error={errors.confirm}
              required maxLength={passwordMaxChars} />
            <Button type="submit" disabled={pending} className="w-full">{pending ? "Saving…" : "Set the new password"}</Button>
          </SecretForm>
        )}
      </CardContent>
    </Card>
  );
}
