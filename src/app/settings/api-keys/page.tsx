import type { Metadata } from "next";

import { ApiKeysSettings } from "~/components/api-keys/api-keys-settings";
import { PageHeader } from "~/components/page-header";
import { requireWorkspace } from "~/trpc/require-user";
import { RoleRequired } from "~/components/workspaces/role-required";
import { roleAtLeast } from "~/lib/workspace-roles";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "API keys" };

export default withReconnecting(async function ApiKeysPage() {
  const { workspace } = await requireWorkspace("/settings/api-keys");
  if (!roleAtLeast(workspace.role, "ADMIN")) return <RoleRequired least="ADMIN" what="Managing API keys" workspace={workspace} />;
  return (
    <>
      <PageHeader title="API keys" description="Keys for the developer API: create, copy once, revoke." />
      <ApiKeysSettings />
    </>
  );
});
