"use client";

import { useQueryClient } from "@tanstack/react-query";
import { AlertTriangleIcon, CheckCircle2Icon, ClockIcon, MailCheckIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Suspense, useRef, useState, type FormEvent } from "react";

import {
  authFailureOf, authFailureOfPost, formatWait, passwordMaxChars, passwordMinChars, retryAfterOf, type AuthFailure, type AuthMode,
} from "~/components/auth/auth-outcome";
import { OriginNotice, type OriginMismatchView } from "~/components/auth/origin-notice";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { SecretForm } from "~/components/ui/secret-form";
import { authClient } from "~/lib/auth-client";
import { formPostErrorOf, formPostPaths, signInNotices } from "~/shared/form-posts";
import { safeReturnPath } from "~/shared/sign-in-path";
import { useCountdown } from "~/lib/use-countdown";
import { useCurrentSearchParams } from "~/lib/navigation";
import { formText } from "~/lib/form-text";

type Fields = { name: string; email: string; password: string };
type FieldErrors = Partial<Record<keyof Fields, string>>;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The same rules as the server (better-auth), checked first for instant messages. */
function validate(mode: AuthMode, fields: Fields): FieldErrors {
  const errors: FieldErrors = {};
  if (mode === "sign-up" && fields.name.trim().length === 0) errors.name = "Enter your name.";
  if (!emailPattern.test(fields.email.trim())) errors.email = "Enter a valid email address.";
  if (fields.password.length === 0) errors.password = "Enter your password.";
  else if (mode === "sign-up" && fields.password.length < passwordMinChars) errors.password = `Use at least ${passwordMinChars} characters.`;
  else if (fields.password.length > passwordMaxChars) errors.password = `Use at most ${passwordMaxChars} characters.`;
  return errors;
}

/** Calls the endpoint of `mode`; never throws (a dropped connection is a failure too). */
async function callAuth(mode: AuthMode, fields: Fields): Promise<AuthFailure | null> {
  let retryAfter: number | null = null;
  const fetchOptions = { onError: ({ response }: { response: Response }) => void (retryAfter = retryAfterOf(response)) };
  try {
    const email = fields.email.trim();
    const result = mode === "sign-in"
      ? await authClient.signIn.email({ email, password: fields.password }, fetchOptions)
      : await authClient.signUp.email({ email, password: fields.password, name: fields.name.trim() }, fetchOptions);
    return result.error ? authFailureOf(mode, result.error, retryAfter) : null;
  } catch {
    return { kind: "network" };
  }
}

function AuthFormInner({ mode: initialMode, originMismatch }: { mode: AuthMode; originMismatch: OriginMismatchView | null }) {
  const router = useRouter();
  const params = useCurrentSearchParams();
  const queryClient = useQueryClient();
  const next = safeReturnPath(params.get("next"));
  // After a sign-up the form becomes a sign-in with the same credentials:
  // the server answers a new and an existing email alike, and so does this.
  const [signedUp, setSignedUp] = useState<Fields | null>(null);
  const mode: AuthMode = signedUp ? "sign-in" : initialMode;
  // Where a post without JavaScript came back to (src/server/auth/form-posts.ts).
  const notice = params.get("notice");
  const signedUpByPost = initialMode === "sign-in" && notice === signInNotices.signedUp;
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<AuthFailure | null>(() => authFailureOfPost(initialMode, formPostErrorOf(params.get("error")), params.get("retry")));
  const [pending, setPending] = useState(false);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryAt);
  const inFlight = useRef(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current || secondsLeft > 0) return;
    const form = new FormData(event.currentTarget);
    const fields: Fields = { name: formText(form, "name"), email: formText(form, "email"), password: formText(form, "password") };
    const found = validate(mode, fields);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return;
    inFlight.current = true;
    setPending(true);
    const outcome = await callAuth(mode, fields);
    if (outcome === null && mode === "sign-up") {
      setSignedUp(fields);
    } else if (outcome === null) {
      await queryClient.invalidateQueries();
      router.replace(next);
      router.refresh();
      return; // Stay locked: the page is changing.
    } else {
      setFailure(outcome);
      if (outcome.kind === "throttled") setRetryAt(Date.now() + outcome.retryAfterSeconds * 1000);
    }
    inFlight.current = false;
    setPending(false);
  }

  const title = signedUp || signedUpByPost ? "Sign in to continue" : mode === "sign-in" ? "Sign in" : "Create your account";
  const submitLabel = mode === "sign-in" ? "Sign in" : "Create your account";
  const query = params.get("next") ? `?next=${encodeURIComponent(next)}` : "";
  return (
    <Card className="mx-auto w-full max-w-sm">
      <CardHeader>
        <CardTitle as="h1" className="text-xl">{title}</CardTitle>
        <CardDescription>{initialMode === "sign-in" ? "Welcome back." : "Start with 100 free credits. No card needed."}</CardDescription>
      </CardHeader>
      <CardContent>
        {/* A new key remounts the fields with the sign-up's values. */}
        <SecretForm
          key={signedUp ? "after-sign-up" : "form"}
          action={mode === "sign-in" ? formPostPaths.signIn : formPostPaths.signUp}
          onSubmit={onSubmit}
          noValidate
          className="flex flex-col gap-4"
          aria-label={title}
        >
          {params.get("next") ? <input type="hidden" name="next" value={next} /> : null}
          {originMismatch ? <OriginNotice mismatch={originMismatch} /> : null}
          {signedUp || signedUpByPost ? <SignedUpNotice email={signedUp?.email.trim() ?? null} /> : null}
          {notice === signInNotices.passwordReset ? <PasswordResetNotice /> : null}
          <FailureNotice failure={failure} secondsLeft={secondsLeft} />
          {mode === "sign-up" ? <Field name="name" label="Name" autoComplete="name" error={errors.name} required /> : null}
          <Field name="email" label="Email" type="email" autoComplete="email" error={errors.email} defaultValue={signedUp?.email} required />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
            error={errors.password}
            hint={mode === "sign-up" ? `At least ${passwordMinChars} characters.` : undefined}
            defaultValue={signedUp?.password}
            required
            minLength={mode === "sign-up" ? passwordMinChars : undefined}
            maxLength={passwordMaxChars}
          />
          <Button type="submit" disabled={pending || secondsLeft > 0} className="w-full" aria-describedby={secondsLeft > 0 ? "auth-throttled" : undefined}>
            {secondsLeft > 0 ? <><ClockIcon aria-hidden /> <span className="tabular-nums">Try again in {formatWait(secondsLeft)}</span></> : pending ? "Please wait…" : submitLabel}
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            {mode === "sign-in" ? (
              <>No account? <Link href={`/sign-up${query}`} className="font-medium text-primary underline-offset-4 hover:underline">Sign up</Link></>
            ) : (
              <>Have an account? <Link href={`/sign-in${query}`} className="font-medium text-primary underline-offset-4 hover:underline">Sign in</Link></>
            )}
          </p>
        </SecretForm>
      </CardContent>
    </Card>
  );
}

/**
 * The one outcome of a sign-up, whether the email was new or not: what to
 * do next. Without JavaScript the page is a new one and does not know the
 * email (it never travels in the URL).
 */
function SignedUpNotice({ email }: { email: string | null }) {
  const address = email ? <span className="break-all font-medium">{email}</span> : "your email";
  return (
    <Alert variant="info">
      <MailCheckIcon aria-hidden />
      <div className="min-w-0">
        <AlertTitle>Now sign in</AlertTitle>
        <AlertDescription>
          If {address} is new here, its account is ready with the password you chose. If it already had an account, nothing was
          changed: sign in with that account&apos;s password.
        </AlertDescription>
      </div>
    </Alert>
  );
}

/** After a reset posted without JavaScript (with it, a toast says so). */
function PasswordResetNotice() {
  return (
    <Alert variant="success">
      <CheckCircle2Icon aria-hidden />
      <AlertDescription className="mt-0">Password changed. Sign in with your new password.</AlertDescription>
    </Alert>
  );
}

function FailureNotice({ failure, secondsLeft }: { failure: AuthFailure | null; secondsLeft: number }) {
  if (!failure) return null;
  if (failure.kind === "throttled") {
    if (secondsLeft <= 0) return null;
    return (
      <Alert variant="warning" id="auth-throttled">
        <ClockIcon aria-hidden />
        <div>
          <AlertTitle>Too many attempts</AlertTitle>
          <AlertDescription>
            Too many failed sign-ins from your network. You can try again in{" "}
            <span className="tabular-nums" data-testid="auth-retry-seconds" data-seconds={secondsLeft}>{formatWait(secondsLeft)}</span>.
          </AlertDescription>
        </div>
      </Alert>
    );
  }
  const message = failure.kind === "network" ? "The connection dropped. Check your network and try again." : failure.message;
  return (
    <Alert variant="destructive"><AlertTriangleIcon aria-hidden /><AlertDescription className="mt-0">{message}</AlertDescription></Alert>
  );
}

type FieldProps = {
  name: string; label: string; type?: string; autoComplete: string; error?: string; hint?: string; defaultValue?: string;
  /** The browser checks these without JavaScript; with it, `validate` says the same in our words. */
  required?: boolean; minLength?: number; maxLength?: number;
};

function Field({ name, label, type = "text", autoComplete, error, hint, defaultValue, required, minLength, maxLength }: FieldProps) {
  const describedBy = error ? `${name}-error` : hint ? `${name}-hint` : undefined;
  return (
    <div className="flex flex-col gap-2">
      <Label htmlFor={name}>{label}</Label>
      <Input
        id={name} name={name} type={type} autoComplete={autoComplete} defaultValue={defaultValue} required={required} minLength={minLength}
        maxLength={maxLength} aria-invalid={!!error || undefined} aria-describedby={describedBy}
      />
      {error ? <FieldError id={`${name}-error`}>{error}</FieldError> : hint ? <p id={`${name}-hint`} className="text-xs text-muted-foreground">{hint}</p> : null}
    </div>
  );
}

/**
 * Email and password form for signing in or up; returns to `?next=` (same
 * site only, `safeReturnPath`). A sign-up ends with the same "now sign in"
 * step whether or not the email had an account; a throttled sign-in shows
 * a live countdown; `originMismatch` explains an APP_URL that is not this
 * page's address before anyone gets "Invalid origin".
 */
export function AuthForm(props: { mode: AuthMode; originMismatch?: OriginMismatchView | null }) {
  return (
    <Suspense>
      <AuthFormInner mode={props.mode} originMismatch={props.originMismatch ?? null} />
    </Suspense>
  );
}
