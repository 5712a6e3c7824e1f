import { KeyRoundIcon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";

import { AccountSettings } from "~/components/account/account-settings";
import { PageHeader } from "~/components/page-header";
import { Button } from "~/components/ui/button";
import { accountPaths } from "~/shared/account-paths";
import { formPostErrorOf } from "~/shared/form-posts";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Account settings" };

type Search = Promise<{ password?: string | string[]; delete?: string | string[] }>;

export default withReconnecting(async function AccountSettingsPage({ searchParams }: { searchParams: Search }) {
  await requireUser(accountPaths.settings);
  const query = await searchParams;
  const one = (value: string | string[] | undefined) => (typeof value === "string" ? value : null);
  const password = one(query.password);
  const posted = { password: password === "changed" ? "changed" : formPostErrorOf(password), delete: formPostErrorOf(one(query.delete)) } as const;
  return (
    <>
      <PageHeader
        title="Account settings"
        description="Your email, password and sessions."
        actions={<Button asChild variant="outline" size="sm"><Link href="/settings/api-keys"><KeyRoundIcon aria-hidden /> API keys</Link></Button>}
      />
      <AccountSettings posted={posted} />
    </>
  );
});
