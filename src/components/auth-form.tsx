"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";

import { authClient } from "~/lib/auth-client";

function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function AuthFormInner({ mode }: { mode: "sign-in" | "sign-up" }) {
  const router = useRouter();
  const params = useSearchParams();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    const result =
      mode === "sign-in"
        ? await authClient.signIn.email({ email, password })
        : await authClient.signUp.email({ email, password, name: String(form.get("name") ?? "") || email.split("@")[0]! });
    setPending(false);
    if (result.error) {
      setError(result.error.message ?? "That did not work.");
      return;
    }
    await queryClient.invalidateQueries();
    router.push(safeNext(params.get("next")));
    router.refresh();
  }

  const title = mode === "sign-in" ? "Sign in" : "Create an account";
  return (
    <form onSubmit={onSubmit} className="mx-auto flex max-w-sm flex-col gap-3" aria-labelledby="auth-title">
      <h1 id="auth-title" className="text-2xl font-semibold">{title}</h1>
      {mode === "sign-up" ? (
        <label className="flex flex-col gap-1 text-sm">Name<input name="name" autoComplete="name" className="rounded border px-3 py-2" /></label>
      ) : null}
      <label className="flex flex-col gap-1 text-sm">Email<input name="email" type="email" required autoComplete="email" className="rounded border px-3 py-2" /></label>
      <label className="flex flex-col gap-1 text-sm">Password<input name="password" type="password" required minLength={8} autoComplete={mode === "sign-in" ? "current-password" : "new-password"} className="rounded border px-3 py-2" /></label>
      {error ? <p role="alert" className="text-sm text-red-600">{error}</p> : null}
      <button type="submit" disabled={pending} className="rounded bg-zinc-900 px-4 py-2 text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
        {pending ? "Please wait…" : title}
      </button>
      <p className="text-sm">
        {mode === "sign-in" ? <Link href="/sign-up">No account? Sign up</Link> : <Link href="/sign-in">Have an account? Sign in</Link>}
      </p>
    </form>
  );
}

/** Email and password form for signing in or up; returns to `?next=`. */
export function AuthForm(props: { mode: "sign-in" | "sign-up" }) {
  return (
    <Suspense>
      <AuthFormInner {...props} />
    </Suspense>
  );
}
