import type { Metadata } from "next";

import { AdminWorkspaceDetail } from "~/components/admin/workspace-detail";
import { requireAdmin } from "~/trpc/require-user";
import { requireExisting } from "~/trpc/server";

export const metadata: Metadata = { title: "Account" };

/** One account (personal or team), for an admin; an unknown id is a 404. */
export default async function AdminWorkspacePage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  // The role first: a non-admin gets the 403, not a lookup refused.
  await requireAdmin(`/admin/workspaces/${encodeURIComponent(id)}`);
  await requireExisting(`admin-workspace:${id}`, (caller) => caller.admin.workspace({ id }));
  return <AdminWorkspaceDetail id={id} />;
}
