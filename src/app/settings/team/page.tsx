import type { Metadata } from "next";

import { PageHeader } from "~/components/page-header";
import { TeamSettings } from "~/components/workspaces/team-settings";
import { requireWorkspace } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Team" };

export default withReconnecting(async function TeamSettingsPage() {
  const { workspace } = await requireWorkspace("/settings/team");
  return (
    <>
      <PageHeader
        title={workspace.kind === "TEAM" ? workspace.name : "Team"}
        description={workspace.kind === "TEAM" ? "The team's name, members and invitations." : "Teams share one wallet, with roles and budgets for each member."}
      />
      <TeamSettings initial={workspace} />
    </>
  );
});
