import type { Metadata } from "next";
import Link from "next/link";

import { PageHeader } from "~/components/page-header";
import { StatementView } from "~/components/statement/statement-view";
import { Button } from "~/components/ui/button";
import { requireUser } from "~/trpc/require-user";
import { statementQueryFromSearchParams, toSearchParams } from "~/shared/statement-filter";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Statement" };

export default withReconnecting(async function StatementPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // The ledger's filter lives in the query (statement-filter.ts); only its
  // own keys are kept, and dates the wrong way round stay to be shown with
  // their message rather than dropped in silence.
  const query = statementQueryFromSearchParams(toSearchParams(await searchParams));
  await requireUser("/statement");
  return (
    <>
      <PageHeader
        title="Credit statement"
        description="Every credit in and out, with your balance before and after."
        actions={<Button asChild variant="outline"><Link href="/buy">Buy credits</Link></Button>}
      />
      <StatementView initialQuery={query.toString()} />
    </>
  );
});
