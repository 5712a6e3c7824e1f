import type { Metadata } from "next";

import { BudgetsSettings } from "~/components/budgets/budgets-settings";
import { PageHeader } from "~/components/page-header";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Budgets" };

export default withReconnecting(async function BudgetsPage() {
  await requireUser("/settings/budgets");
  return (
    <>
      <PageHeader title="Budgets" description="Limits on what the account, or one API key, may spend in a month or in total." />
      <BudgetsSettings />
    </>
  );
});
