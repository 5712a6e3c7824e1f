import type { Metadata } from "next";

import { BillingSettings } from "~/components/billing/billing-settings";
import { PageHeader } from "~/components/page-header";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Billing" };

export default withReconnecting(async function BillingSettingsPage() {
  await requireUser("/settings/billing");
  return (
    <>
      <PageHeader title="Billing" description="Saved cards and auto top-up." />
      <BillingSettings />
    </>
  );
});
