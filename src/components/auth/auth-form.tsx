"use client";

import { useQueryClient } from "@tanstack/react-query";
import { AlertTriangleIcon } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";

import { Alert, AlertDescription } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { authClient } from "~/lib/auth-client";
import { safeReturnPath } from "~/lib/sign-in-path";

type Mode = "sign-in" | "sign-up";
type Fields = { name: string; email: string; password: string };
type FieldErrors = Partial<Record<keyof Fields, string>>;

const passwordMinChars = 8;
const passwordMaxChars = 128;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The same rules as the server (better-auth), checked first for instant messages. */
function validate(mode: Mode, fields: Fields): FieldErrors {
  const errors: FieldErrors = {};
  if (mode === "sign-up" && fields.name.trim().length === 0) errors.name = "Enter your name.";
  if (!emailPattern.test(fields.email.trim())) errors.email = "Enter a valid email address.";
  if (fields.password.length === 0) errors.password = "Enter your password.";
  else if (mode === "sign-up" && fields.password.length < passwordMinChars) errors.password = `Use at least ${passwordMinChars} characters.`;
  else if (fields.password.length > passwordMaxChars) errors.password = `Use at most ${passwordMaxChars} characters.`;
  return errors;
}

function serverMessage(mode: Mode, code: string | undefined, message: string | undefined): string {
  if (code === "USER_ALREADY_EXISTS" || code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL") return "An account with this email already exists. Sign in instead.";
  if (code === "INVALID_EMAIL_OR_PASSWORD") return "Wrong email or password.";
  if (code === "PASSWORD_TOO_SHORT") return `Use at least ${passwordMinChars} characters.`;
  return message ?? (mode === "sign-in" ? "Could not sign you in." : "Could not create the account.");
}

function AuthFormInner({ mode }: { mode: Mode }) {
  const router = useRouter();
  const params = useSearchParams();
  const queryClient = useQueryClient();
  const next = safeReturnPath(params.get("next"));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const form = new FormData(event.currentTarget);
    const fields: Fields = { name: String(form.get("name") ?? ""), email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") };
    const found = validate(mode, fields);
    setErrors(found);
    setFormError(null);
    if (Object.keys(found).length > 0) return;
    setPending(true);
    const email = fields.email.trim();
    const result = mode === "sign-in"
      ? await authClient.signIn.email({ email, password: fields.password })
      : await authClient.signUp.email({ email, password: fields.password, name: fields.name.trim() });
    if (result.error) {
      setPending(false);
      setFormError(serverMessage(mode, result.error.code, result.error.message));
      return;
    }
    await queryClient.invalidateQueries();
    router.replace(next);
    router.refresh();
  }

  const title = mode === "sign-in" ? "Sign in" : "Create your account";
  const query = params.get("next") ? `?next=${encodeURIComponent(next)}` : "";
  return (
    <Card className="mx-auto w-full max-w-sm">
      <CardHeader>
        <CardTitle as="h1" className="text-xl">{title}</CardTitle>
        <CardDescription>{mode === "sign-in" ? "Welcome back." : "Start with 100 free credits. No card needed."}</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label={title}>
          {formError ? (
            <Alert variant="destructive"><AlertTriangleIcon aria-hidden /><AlertDescription className="mt-0">{formError}</AlertDescription></Alert>
          ) : null}
          {mode === "sign-up" ? <Field name="name" label="Name" autoComplete="name" error={errors.name} /> : null}
          <Field name="email" label="Email" type="email" autoComplete="email" error={errors.email} />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
            error={errors.password}
            hint={mode === "sign-up" ? `At least ${passwordMinChars} characters.` : undefined}
          />
          <Button type="submit" disabled={pending} className="w-full">{pending ? "Please wait…" : title}</Button>
          <p className="text-center text-sm text-muted-foreground">
            {mode === "sign-in" ? (
              <>No account? <Link href={`/sign-up${query}`} className="font-medium text-primary underline-offset-4 hover:underline">Sign up</Link></>
            ) : (
              <>Have an account? <Link href={`/sign-in${query}`} className="font-medium text-primary underline-offset-4 hover:underline">Sign in</Link></>
            )}
          </p>
        </form>
      </CardContent>
    </Card>
  );
}

function Field({ name, label, type = "text", autoComplete, error, hint }: { name: string; label: string; type?: string; autoComplete: string; error?: string; hint?: string }) {
  const describedBy = error ? `${name}-error` : hint ? `${name}-hint` : undefined;
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={name}>{label}</Label>
      <Input id={name} name={name} type={type} autoComplete={autoComplete} aria-invalid={!!error || undefined} aria-describedby={describedBy} />
      {error ? <FieldError id={`${name}-error`}>{error}</FieldError> : hint ? <p id={`${name}-hint`} className="text-xs text-muted-foreground">{hint}</p> : null}
    </div>
  );
}

/** Email and password form for signing in or up; returns to `?next=` (same-site only). */
export function AuthForm(props: { mode: Mode }) {
  return (
    <Suspense>
      <AuthFormInner {...props} />
    </Suspense>
  );
}
