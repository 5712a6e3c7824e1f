import type { Metadata } from "next";
import Link from "next/link";

import { JobsList } from "~/components/jobs/jobs-list";
import { PageHeader } from "~/components/page-header";
import { Button } from "~/components/ui/button";
import { parseJobFilter } from "~/shared/job-filters";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

export const metadata: Metadata = { title: "Jobs" };

export default withReconnecting(async function JobsPage({ searchParams }: { searchParams: Promise<{ status?: string }> }) {
  const { status } = await searchParams;
  const filter = parseJobFilter(status);
  await requireUser(filter === "all" ? "/jobs" : `/jobs?status=${filter}`);
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Everything you generated, newest first."
        actions={<Button asChild><Link href="/">New generation</Link></Button>}
      />
      <JobsList initialFilter={filter} />
    </>
  );
});
