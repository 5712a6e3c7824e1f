"use client";

import { useQuery } from "@tanstack/react-query";

import { DeleteAccountSection } from "~/components/account/delete-account-section";
import { EmailSection } from "~/components/account/email-section";
import { PasswordSection } from "~/components/account/password-section";
import { SessionsSection } from "~/components/account/sessions-section";
import { Skeleton } from "~/components/ui/skeleton";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { useTRPC } from "~/trpc/react";
import type { FormPostError } from "~/shared/form-posts";

/** What a form posted without JavaScript came back with (src/server/auth/form-posts.ts). */
export type AccountFormPosts = { password: FormPostError | "changed" | null; delete: FormPostError | null };

/** The account settings page: email, password, sessions, deletion. */
export function AccountSettings({ posted }: { posted: AccountFormPosts }) {
  const trpc = useTRPC();
  const profile = useQuery(trpc.account.profile.queryOptions());
  useUnauthorizedRedirect(profile.error);
  return (
    <div className="flex max-w-3xl flex-col gap-6">
      {profile.data ? <EmailSection email={profile.data.email} verified={profile.data.emailVerified} /> : <Skeleton className="h-40" />}
      <PasswordSection posted={posted.password} />
      <SessionsSection />
      <DeleteAccountSection posted={posted.delete} />
    </div>
  );
}
