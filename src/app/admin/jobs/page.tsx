import type { Metadata } from "next";

import { AdminJobs } from "~/components/admin/jobs-explorer";

export const metadata: Metadata = { title: "Jobs" };

export default async function AdminJobsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? "";
  return <AdminJobs initial={{ user: first(params.user), status: first(params.status), modelId: first(params.model) }} />;
}
