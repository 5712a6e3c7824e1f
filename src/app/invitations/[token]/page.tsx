import { MailIcon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";

import { InvitationView } from "~/components/workspaces/invitation-view";
import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import { invitationTokenInput } from "~/shared/schemas/workspaces";
import { getServerCaller } from "~/trpc/server";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Team invitation" };

/**
 * The page an invitation mail links to (SPEC §9). Signed out: sign in or
 * create an account, then back here (`?next=`). Signed in: the invitation
 * as its addressee sees it, and Join. The token stays in this URL only.
 */
export default withReconnecting(async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!invitationTokenInput.safeParse({ token }).success) {
    return (
      <EmptyState
        headingLevel={1}
        icon={<MailIcon />}
        title="This invitation link is incomplete"
        description="Copy the whole link from the mail, or ask the team for a new invitation."
        action={<Button asChild variant="outline"><Link href="/">Go home</Link></Button>}
      />
    );
  }
  const me = await (await getServerCaller()).account.me();
  if (!me) {
    const next = encodeURIComponent(`/invitations/${token}`);
    return (
      <EmptyState
        headingLevel={1}
        icon={<MailIcon />}
        title="You have been invited to a team"
        description="Sign in, or create an account, with the email address the invitation was sent to. You will come back here to join."
        action={
          <div className="flex flex-wrap justify-center gap-2">
            <Button asChild><Link href={`/sign-in?next=${next}`}>Sign in</Link></Button>
            <Button asChild variant="outline"><Link href={`/sign-up?next=${next}`}>Create an account</Link></Button>
          </div>
        }
      />
    );
  }
  return <InvitationView token={token} email={me.email} />;
});
