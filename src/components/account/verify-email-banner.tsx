"use client";

import { useQuery } from "@tanstack/react-query";
import { MailWarningIcon } from "lucide-react";

import { useResendVerification } from "~/components/account/email-section";
import { Button } from "~/components/ui/button";
import { accountPaths } from "~/shared/account-paths";
import { useCurrentPath } from "~/lib/navigation";
import { useTRPC } from "~/trpc/react";
import { retryOnlyReconnectable } from "~/lib/app-error";

/** The pages of signing in and out, where the cached account may already be gone. */
const signedOutPaths: ReadonlySet<string> = new Set([
  "/sign-in", "/sign-up", "/sign-out", "/forgot-password", accountPaths.resetPassword, accountPaths.deleted, accountPaths.undoEmailChange,
]);

/** The signed-in account's profile, as `account.profile` returns it. */
type Profile = { name: string; email: string; emailVerified: boolean; createdAt: Date };

/**
 * Asks a signed-in, unverified account to verify its email, under the
 * header on every page, with a resend. Unverified accounts may still sign
 * in and generate (see auth.ts); this is the nudge. Never on the pages of
 * signing in and out. `initialProfile` is the profile the server read for
 * this page (null when nobody is signed in), so the banner is part of the
 * first paint instead of pushing the whole page down after it.
 */
export function VerifyEmailBanner({ initialProfile }: { initialProfile: Profile | null }) {
  const trpc = useTRPC();
  const pathname = useCurrentPath();
  const me = useQuery({ ...trpc.account.me.queryOptions(), staleTime: 30_000 });
  const profile = useQuery({
    ...trpc.account.profile.queryOptions(),
    enabled: !!me.data,
    retry: retryOnlyReconnectable,
    staleTime: 30_000,
    initialData: initialProfile ?? undefined,
  });
  if (signedOutPaths.has(pathname) || !me.data || !profile.data || profile.error || profile.data.emailVerified) return null;
  return <Banner email={profile.data.email} />;
}

function Banner({ email }: { email: string }) {
  const resend = useResendVerification(email);
  return (
    <section aria-label="Account verification" className="border-b border-amber-600/30 bg-amber-50 text-amber-900 dark:bg-amber-950 dark:text-amber-200">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2 text-sm">
        <MailWarningIcon className="size-4 shrink-0" aria-hidden />
        <p className="min-w-0 flex-1 break-words">
          Please verify your email: we sent a link to <strong className="break-all">{email}</strong>.
        </p>
        <Button variant="outline" size="sm" disabled={resend.isPending} onClick={() => resend.mutate()}>
          Resend the email
        </Button>
      </div>
    </section>
  );
}
