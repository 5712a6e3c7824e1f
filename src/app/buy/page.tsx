import { InfoIcon } from "lucide-react";
import type { Metadata } from "next";

import { PackList } from "~/components/buy/pack-list";
import { PageHeader } from "~/components/page-header";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { requireWorkspace } from "~/trpc/require-user";
import { RoleRequired } from "~/components/workspaces/role-required";
import { roleAtLeast } from "~/lib/workspace-roles";
import { safeReturnPath } from "~/shared/sign-in-path";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Buy credits" };

export default withReconnecting(async function BuyPage({ searchParams }: { searchParams: Promise<{ next?: string; cancelled?: string }> }) {
  const { next, cancelled } = await searchParams;
  const returnTo = next ? safeReturnPath(next) : null;
  const { workspace } = await requireWorkspace(returnTo ? `/buy?next=${encodeURIComponent(returnTo)}` : "/buy");
  if (!roleAtLeast(workspace.role, "OWNER")) return <RoleRequired least="OWNER" what="Buying credits" workspace={workspace} />;
  return (
    <>
      <PageHeader title="Buy credits" description="One-time packs. Purchased credits never expire, and anything not delivered is refunded." />
      {cancelled ? (
        <Alert variant="info" className="mb-4">
          <InfoIcon aria-hidden />
          <div><AlertTitle>Checkout cancelled</AlertTitle><AlertDescription>Nothing was charged. Pick a pack to try again.</AlertDescription></div>
        </Alert>
      ) : null}
      <PackList returnTo={returnTo} />
    </>
  );
});
