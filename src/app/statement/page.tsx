import type { Metadata } from "next";
import Link from "next/link";

import { PageHeader } from "~/components/page-header";
import { StatementView } from "~/components/statement/statement-view";
import { Button } from "~/components/ui/button";
import { requireUser } from "~/lib/require-user";

export const metadata: Metadata = { title: "Statement" };

export default async function StatementPage() {
  await requireUser("/statement");
  return (
    <>
      <PageHeader
        title="Credit statement"
        description="Every credit in and out, with your balance before and after."
        actions={<Button asChild variant="outline"><Link href="/buy">Buy credits</Link></Button>}
      />
      <StatementView />
    </>
  );
}
