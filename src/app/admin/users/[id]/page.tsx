import type { Metadata } from "next";

import { AdminUserDetail } from "~/components/admin/user-detail";
import { requireAdmin } from "~/trpc/require-user";
import { requireExisting } from "~/trpc/server";

export const metadata: Metadata = { title: "User" };

/** One account, for an admin; an unknown id is a 404. */
export default async function AdminUserPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  // The role first: a non-admin gets the 403, not a lookup refused.
  await requireAdmin(`/admin/users/${encodeURIComponent(id)}`);
  await requireExisting(`admin-user:${id}`, (caller) => caller.admin.user({ id }));
  return <AdminUserDetail id={id} />;
}
