import type { Metadata } from "next";

import { AuditTrail } from "~/components/admin/audit-trail";
import { auditActionOf } from "~/shared/schemas/admin";

export const metadata: Metadata = { title: "Audit trail" };

/** `?action=credits.void-grant` opens the trail filtered to that action (an unknown one: every action). */
export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { action } = await searchParams;
  return <AuditTrail initialAction={auditActionOf(Array.isArray(action) ? action[0] : action) ?? ""} />;
}
