import { KeyRoundIcon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";

import { AccountSettings } from "~/components/account/account-settings";
import { PageHeader } from "~/components/page-header";
import { Button } from "~/components/ui/button";
import { accountPaths } from "~/shared/account-paths";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/trpc/reconnecting";

export const metadata: Metadata = { title: "Account settings" };

export default withReconnecting(async function AccountSettingsPage() {
  await requireUser(accountPaths.settings);
  return (
    <>
      <PageHeader
        title="Account settings"
        description="Your email, password and sessions."
        actions={<Button asChild variant="outline" size="sm"><Link href="/settings/api-keys"><KeyRoundIcon aria-hidden /> API keys</Link></Button>}
      />
      <AccountSettings />
    </>
  );
});
