import type { Metadata } from "next";
import Link from "next/link";

import { PageHeader } from "~/components/page-header";
import { StatementView } from "~/components/statement/statement-view";
import { Button } from "~/components/ui/button";
import { requireWorkspace } from "~/trpc/require-user";
import { RoleRequired } from "~/components/workspaces/role-required";
import { roleAtLeast } from "~/lib/workspace-roles";
import { statementQueryFromSearchParams, toSearchParams } from "~/shared/statement-filter";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Statement" };

export default withReconnecting(async function StatementPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // The ledger's filter lives in the query (statement-filter.ts); only its
  // own keys are kept, and dates the wrong way round stay to be shown with
  // their message rather than dropped in silence.
  const query = statementQueryFromSearchParams(toSearchParams(await searchParams));
  const { me, workspace } = await requireWorkspace("/statement");
  if (!roleAtLeast(workspace.role, "ADMIN") && !workspace.membersSeeStatement) return <RoleRequired least="ADMIN" what="The team's statement" workspace={workspace} />;
  return (
    <>
      <PageHeader
        title="Credit statement"
        description={workspace.kind === "TEAM"
          ? `Every credit in and out of ${workspace.name}'s wallet, who spent it, and the balance before and after.`
          : "Every credit in and out, with your balance before and after."}
        actions={roleAtLeast(workspace.role, "OWNER") ? <Button asChild variant="outline"><Link href="/buy">Buy credits</Link></Button> : undefined}
      />
      <StatementView initialQuery={query.toString()} showMembers={workspace.kind === "TEAM"} jobLinksOf={workspace.role === "MEMBER" ? me.id : null} />
    </>
  );
});
