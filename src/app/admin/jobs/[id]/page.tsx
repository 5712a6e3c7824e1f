import type { Metadata } from "next";

import { AdminJobDetail } from "~/components/admin/job-detail";

export const metadata: Metadata = { title: "Job" };

export default async function AdminJobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AdminJobDetail id={id} />;
}
