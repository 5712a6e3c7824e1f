import type { Metadata } from "next";

import { PageHeader } from "~/components/page-header";
import { WebhooksSettings } from "~/components/webhooks/webhooks-settings";
import { webhooksConfigFromEnv } from "~/server/webhooks/config";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Webhooks" };

export default withReconnecting(async function WebhooksSettingsPage() {
  await requireUser("/settings/webhooks");
  return (
    <>
      <PageHeader title="Webhooks" description="Signed callbacks when your jobs finish, your balance runs low or a purchase lands." />
      <WebhooksSettings allowPrivate={webhooksConfigFromEnv().allowPrivate} />
    </>
  );
});
