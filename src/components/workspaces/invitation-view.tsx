"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleSlashIcon, ClockIcon, MailCheckIcon, MailIcon, UsersIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";

import { useSwitchWorkspace } from "~/components/workspaces/use-workspace";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { appErrorOf, isFinalError, shouldRetryQuery } from "~/lib/app-error";
import { formatDateTime } from "~/lib/format";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { roleLabel } from "~/lib/workspace-roles";
import { useTRPC } from "~/trpc/react";

const joinedAs: Record<"ADMIN" | "MEMBER", string> = {
  MEMBER: "As a member you generate on the team's credits, within your budget, and see your own jobs.",
  ADMIN: "As an admin you generate on the team's credits and manage its members, API keys, budgets and webhooks.",
};

/**
 * An invitation for the signed-in user: "Join <team> as <role>", or why
 * it cannot be accepted, from its typed status (never from a message).
 * Joining switches the session to the team and opens Generate.
 */
export function InvitationView({ token, email }: { token: string; email: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const preview = useQuery({ ...trpc.workspaces.invitation.queryOptions({ token }), retry: (count, error) => !isFinalError(error) && shouldRetryQuery(count, error) });
  useUnauthorizedRedirect(preview.error);
  const switchTo = useSwitchWorkspace();
  const accept = useMutation(trpc.workspaces.acceptInvitation.mutationOptions({
    onSuccess: async ({ workspaceId }) => {
      await switchTo.mutateAsync({ workspaceId });
      router.push("/");
    },
    onError: (failure) => {
      // The invitation changed meanwhile (revoked, expired, accepted elsewhere): its status says which.
      if (appErrorOf(failure).appCode !== "VALIDATION_ERROR" && appErrorOf(failure).appCode !== "NOT_FOUND") toast.error("Could not join. Try again.");
      void queryClient.invalidateQueries({ queryKey: trpc.workspaces.invitation.queryKey({ token }) });
    },
  }));

  if (preview.error && appErrorOf(preview.error).appCode === "NOT_FOUND") {
    return (
      <Outcome icon={<MailIcon />} title="This invitation is not for this account">
        You are signed in as <strong className="break-all">{email}</strong>. The invitation was sent to another address, or the link is wrong.
        Sign out and sign in with the address it was sent to.
        <Actions><Button asChild variant="outline"><Link href="/sign-out">Sign out</Link></Button></Actions>
      </Outcome>
    );
  }
  if (!preview.data) return preview.error ? <Outcome icon={<MailIcon />} title="Could not open the invitation">Reload the page to try again.</Outcome> : <Skeleton className="mx-auto h-56 max-w-md" />;
  const invitation = preview.data;
  const team = invitation.teamName;
  switch (invitation.status) {
    case "EXPIRED":
      return <Outcome icon={<ClockIcon />} title="This invitation has expired">It expired on {formatDateTime(invitation.expiresAt)}. Ask {invitation.inviterName} to invite you to {team} again.</Outcome>;
    case "REVOKED":
      return <Outcome icon={<CircleSlashIcon />} title="This invitation was withdrawn">{team} withdrew it. Ask {invitation.inviterName} if you should still join.</Outcome>;
    case "ACCEPTED":
      return <Outcome icon={<MailCheckIcon />} title="This invitation was already used">It can be accepted once. Ask {invitation.inviterName} for a new one if you need it.</Outcome>;
    case "ALREADY_MEMBER":
      return (
        <Outcome icon={<UsersIcon />} title={`You are a member of ${team}`}>
          Nothing more to do here: choose {team} in the workspace menu of the header to work in it.
          <Actions><Button asChild variant="outline"><Link href="/">Go to Generate</Link></Button></Actions>
        </Outcome>
      );
    case "EMAIL_NOT_VERIFIED":
      return (
        <Outcome icon={<MailIcon />} title="Verify your email address first">
          To join {team}, confirm that <strong className="break-all">{email}</strong> is yours: open the link we mailed you, then come back to this page.
        </Outcome>
      );
    case "PENDING":
      break;
  }
  const busy = accept.isPending || switchTo.isPending;
  return (
    <Card className="mx-auto max-w-md" role="region" aria-labelledby="invitation-title">
      <CardHeader>
        <CardTitle as="h1" id="invitation-title">Join {team} as {roleLabel[invitation.role].toLowerCase()}</CardTitle>
        <CardDescription>{invitation.inviterName} invited {email}.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-2 text-sm">
        <p>{joinedAs[invitation.role]}</p>
        <p className="text-muted-foreground">You will spend from {team}&apos;s wallet while it is your active workspace; your personal account stays yours. Switch between them in the header.</p>
      </CardContent>
      <CardFooter className="flex flex-wrap gap-2">
        <Button disabled={busy} onClick={() => accept.mutate({ token })}>{busy ? "Joining…" : `Join ${team}`}</Button>
        <Button asChild variant="ghost"><Link href="/">Not now</Link></Button>
      </CardFooter>
    </Card>
  );
}

function Outcome({ icon, title, children }: { icon: ReactNode; title: string; children: ReactNode }) {
  return <EmptyState headingLevel={1} icon={icon} title={title} description={<>{children}</>} />;
}

function Actions({ children }: { children: ReactNode }) {
  return <span className="mt-3 flex flex-wrap justify-center gap-2">{children}</span>;
}
