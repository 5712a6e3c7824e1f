"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2Icon } from "lucide-react";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { sessionsQueryKey } from "~/components/account/sessions-section";
import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { SecretForm } from "~/components/ui/secret-form";
import { toast } from "~/components/ui/toaster";
import { authClient } from "~/lib/auth-client";
import { formText } from "~/lib/form-text";
import { formPostPaths, type FormPostError } from "~/shared/form-posts";
import { newPasswordErrors, newPasswordErrorsOfPost, passwordMaxChars, passwordMinChars } from "~/shared/password-rules";

type Errors = { current?: string; password?: string; confirm?: string };

/** What the form route said about a change posted without JavaScript. */
function errorsOfPost(outcome: FormPostError | null): Errors {
  switch (outcome) {
    case null:
      return {};
    case "wrong-password":
      return { current: "Wrong password." };
    default:
      return newPasswordErrorsOfPost(outcome) ?? { current: "Could not change the password. Try again." };
  }
}

/**
 * Changes the password (the current one confirms it), optionally signing
 * out every other session. `posted` is what a change posted without
 * JavaScript came back with (`?password=`): "changed", or what went wrong.
 */
export function PasswordSection({ posted = null }: { posted?: FormPostError | "changed" | null }) {
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Errors>(() => errorsOfPost(posted === "changed" ? null : posted));
  const change = useMutation({
    mutationFn: async (input: { currentPassword: string; newPassword: string; revokeOtherSessions: boolean }) => {
      const result = await authClient.changePassword(input);
      if (result.error) throw Object.assign(new Error(result.error.message ?? "failed"), { code: result.error.code });
      return input.revokeOtherSessions;
    },
    onSuccess: (revoked) => {
      toast.success(revoked ? "Password changed · signed out of your other sessions" : "Password changed");
      void queryClient.invalidateQueries({ queryKey: sessionsQueryKey });
    },
    onError: (failure: Error & { code?: string }) => {
      if (failure.code === "INVALID_PASSWORD") setErrors({ current: "Wrong password." });
      else if (failure.code === "PASSWORD_TOO_SHORT") setErrors({ password: `Use at least ${passwordMinChars} characters.` });
      else toast.error("Could not change the password. Try again.");
    },
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const currentPassword = formText(data, "current-password");
    const newPassword = formText(data, "new-password");
    const found: Errors = { ...(currentPassword ? {} : { current: "Enter your current password." }), ...newPasswordErrors(newPassword, formText(data, "confirm-password")) };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    change.mutate({ currentPassword, newPassword, revokeOtherSessions: data.get("revoke-others") === "on" }, { onSuccess: () => form.reset() });
  }

  return (
    <Card aria-labelledby="password-title">
      <CardHeader>
        <CardTitle id="password-title">Password</CardTitle>
        <CardDescription>Use {passwordMinChars} or more characters you do not use elsewhere.</CardDescription>
      </CardHeader>
      <CardContent>
        <SecretForm action={formPostPaths.changePassword} onSubmit={onSubmit} noValidate aria-label="Change password" className="flex flex-col gap-4 sm:max-w-md">
          {posted === "changed" ? (
            <Alert variant="success"><CheckCircle2Icon aria-hidden /><AlertDescription className="mt-0">Password changed</AlertDescription></Alert>
          ) : null}
          <FormField id="current-password" label="Current password" type="password" autoComplete="current-password" error={errors.current}
            required maxLength={passwordMaxChars} />
          <FormField id="new-password" label="New password" type="password" autoComplete="new-password" error={errors.password}
            hint={`At least ${passwordMinChars} characters.`} required minLength={passwordMinChars} maxLength={passwordMaxChars} />
          <FormField id="confirm-password" label="Confirm new password" type="password" autoComplete="new-password" error={errors.confirm}
            required maxLength={passwordMaxChars} />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="revoke-others" defaultChecked className="size-4 accent-primary" />
            Sign out of my other sessions
          </label>
          <Button type="submit" className="self-start" disabled={change.isPending}>{change.isPending ? "Saving…" : "Change password"}</Button>
        </SecretForm>
      </CardContent>
    </Card>
  );
}
