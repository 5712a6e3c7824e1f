import type { Metadata } from "next";

import { AdminWorkspaces } from "~/components/admin/workspaces-table";

export const metadata: Metadata = { title: "Accounts" };

export default function AdminWorkspacesPage() {
  return <AdminWorkspaces />;
}
