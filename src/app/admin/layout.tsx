import { ShieldAlertIcon } from "lucide-react";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";

import { AdminNav } from "~/components/admin/admin-nav";
import { EmptyState } from "~/components/ui/empty-state";
import { signInPath } from "~/lib/sign-in-path";
import { getServerCaller } from "~/trpc/server";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · Creditworks" } };

/**
 * Every /admin page checks the session on the server before rendering: no
 * session → sign-in (and back); a non-admin → 403. The procedures check the
 * role again, so this is the first of two locks, not the only one.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const me = await (await getServerCaller()).account.me();
  if (!me) redirect(signInPath("/admin"));
  if (me.role !== "ADMIN") {
    return (
      <EmptyState
        icon={<ShieldAlertIcon />}
        title="403 — Admins only"
        description="Your account does not have access to the admin dashboard."
      />
    );
  }
  return (
    <div className="flex flex-col gap-6">
      <AdminNav />
      {children}
    </div>
  );
}
