import type { Metadata } from "next";

import { AdminUsers } from "~/components/admin/users-table";

export const metadata: Metadata = { title: "Users" };

export default function AdminUsersPage() {
  return <AdminUsers />;
}
