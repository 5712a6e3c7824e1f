import type { Metadata } from "next";

import { IntegrityView } from "~/components/admin/integrity-view";

export const metadata: Metadata = { title: "Integrity" };

export default async function AdminIntegrityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) || undefined;
  return <IntegrityView jobId={first(params.jobId)} userId={first(params.userId)} />;
}
