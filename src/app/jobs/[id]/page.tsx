import type { Metadata } from "next";

import { JobView } from "~/components/jobs/job-view";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";
import { exists, requireExisting, signedInForMetadata, type ServerCaller } from "~/trpc/server";

type Props = { params: Promise<{ id: string }> };

const getJob = (id: string) => (caller: ServerCaller) => caller.jobs.get({ id });

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const signedIn = await signedInForMetadata();
  return { title: signedIn && !(await exists(`job:${id}`, getJob(id))) ? "Job not found" : "Job" };
}

/** One of the user's jobs, live; an unknown id, or another user's job, is a 404 ("Job not found"). */
export default withReconnecting(async function JobPage({ params }: Props) {
  const { id } = await params;
  await requireUser(`/jobs/${id}`);
  await requireExisting(`job:${id}`, getJob(id));
  return <JobView id={id} />;
});
