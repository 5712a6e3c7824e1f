import type { Metadata } from "next";

import { BudgetsSettings } from "~/components/budgets/budgets-settings";
import { PageHeader } from "~/components/page-header";
import { requireWorkspace } from "~/trpc/require-user";
import { RoleRequired } from "~/components/workspaces/role-required";
import { roleAtLeast } from "~/lib/workspace-roles";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Budgets" };

export default withReconnecting(async function BudgetsPage() {
  const { workspace } = await requireWorkspace("/settings/budgets");
  if (!roleAtLeast(workspace.role, "ADMIN")) return <RoleRequired least="ADMIN" what="Setting budgets" workspace={workspace} />;
  return (
    <>
      <PageHeader
        title="Budgets"
        description={workspace.kind === "TEAM"
          ? `Limits on what ${workspace.name}, each member or one API key may spend in a month or in total.`
          : "Limits on what the account, or one API key, may spend in a month or in total."}
      />
      <BudgetsSettings />
    </>
  );
});
