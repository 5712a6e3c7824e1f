import type { Metadata } from "next";

import { AdminDashboard } from "~/components/admin/dashboard";
import { adminTitle } from "~/trpc/require-user";

export async function generateMetadata(): Promise<Metadata> {
  // In the admin layout's own segment, its title template does not apply.
  return { title: await adminTitle("Overview", { absolute: true }) };
}

export default function AdminPage() {
  return <AdminDashboard />;
}
