"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { useTRPC } from "~/trpc/react";

/** Top bar: navigation and the balance, always visible. */
export function Header() {
  const trpc = useTRPC();
  const summary = useQuery({ ...trpc.credits.summary.queryOptions(), retry: false, refetchInterval: 3_000 });
  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <nav aria-label="Main" className="mx-auto flex max-w-4xl items-center gap-4 px-4 py-3">
        <Link href="/" className="font-semibold">Creditworks</Link>
        <Link href="/jobs" className="text-sm">Jobs</Link>
        <span className="ml-auto text-sm tabular-nums" aria-live="polite">
          {summary.data ? (
            <>
              <span data-testid="balance-available">{summary.data.available}</span> credits
              {summary.data.reserved > 0 ? <> · {summary.data.reserved} reserved</> : null}
            </>
          ) : (
            <Link href="/sign-in">Sign in</Link>
          )}
        </span>
      </nav>
    </header>
  );
}
