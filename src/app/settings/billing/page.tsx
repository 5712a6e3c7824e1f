import type { Metadata } from "next";

import { BillingSettings } from "~/components/billing/billing-settings";
import { PageHeader } from "~/components/page-header";
import { requireWorkspace } from "~/trpc/require-user";
import { RoleRequired } from "~/components/workspaces/role-required";
import { roleAtLeast } from "~/lib/workspace-roles";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Billing" };

export default withReconnecting(async function BillingSettingsPage() {
  const { workspace } = await requireWorkspace("/settings/billing");
  if (!roleAtLeast(workspace.role, "OWNER")) return <RoleRequired least="OWNER" what="Billing" workspace={workspace} />;
  return (
    <>
      <PageHeader title="Billing" description="Saved cards and auto top-up." />
      <BillingSettings />
    </>
  );
});
