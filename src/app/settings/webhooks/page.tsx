import type { Metadata } from "next";

import { PageHeader } from "~/components/page-header";
import { WebhooksSettings } from "~/components/webhooks/webhooks-settings";
import { webhooksConfigFromEnv } from "~/server/webhooks/config";
import { requireWorkspace } from "~/trpc/require-user";
import { RoleRequired } from "~/components/workspaces/role-required";
import { roleAtLeast } from "~/lib/workspace-roles";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Webhooks" };

export default withReconnecting(async function WebhooksSettingsPage() {
  const { workspace } = await requireWorkspace("/settings/webhooks");
  if (!roleAtLeast(workspace.role, "ADMIN")) return <RoleRequired least="ADMIN" what="Managing webhooks" workspace={workspace} />;
  return (
    <>
      <PageHeader title="Webhooks" description="Signed callbacks when your jobs finish, your balance runs low or a purchase lands." />
      <WebhooksSettings allowPrivate={webhooksConfigFromEnv().allowPrivate} />
    </>
  );
});
