import type { Metadata } from "next";

import { AccountSettings } from "~/components/account/account-settings";
import { PageHeader } from "~/components/page-header";
import { accountPaths } from "~/lib/account-paths";
import { requireUser } from "~/lib/require-user";

export const metadata: Metadata = { title: "Account settings" };

export default async function AccountSettingsPage() {
  await requireUser(accountPaths.settings);
  return (
    <>
      <PageHeader title="Account settings" description="Your email, password and sessions." />
      <AccountSettings />
    </>
  );
}
