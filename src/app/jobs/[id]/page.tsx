import type { Metadata } from "next";

import { JobView } from "~/components/jobs/job-view";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/trpc/reconnecting";

export const metadata: Metadata = { title: "Job" };

export default withReconnecting(async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireUser(`/jobs/${id}`);
  return <JobView id={id} />;
});
