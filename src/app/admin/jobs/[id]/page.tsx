import type { Metadata } from "next";

import { AdminJobDetail } from "~/components/admin/job-detail";
import { requireAdmin } from "~/trpc/require-user";
import { requireExisting } from "~/trpc/server";

export const metadata: Metadata = { title: "Job" };

/** One job, for an admin; an unknown id is a 404. */
export default async function AdminJobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  // The role first: a non-admin gets the 403, not a lookup refused.
  await requireAdmin(`/admin/jobs/${id}`);
  await requireExisting(`admin-job:${id}`, (caller) => caller.admin.job({ id }));
  return <AdminJobDetail id={id} />;
}
