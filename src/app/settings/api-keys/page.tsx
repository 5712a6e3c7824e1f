import type { Metadata } from "next";

import { ApiKeysSettings } from "~/components/api-keys/api-keys-settings";
import { PageHeader } from "~/components/page-header";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "API keys" };

export default withReconnecting(async function ApiKeysPage() {
  await requireUser("/settings/api-keys");
  return (
    <>
      <PageHeader title="API keys" description="Keys for the developer API: create, copy once, revoke." />
      <ApiKeysSettings />
    </>
  );
});
