import type { Metadata } from "next";
import { forbidden } from "next/navigation";
import type { ReactNode } from "react";

import { AdminNav } from "~/components/admin/admin-nav";
import { requireUser } from "~/trpc/require-user";
import { withReconnecting } from "~/trpc/reconnecting";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · Creditworks" } };

/**
 * Every /admin page checks the session on the server before rendering: no
 * session → sign-in, and back to that admin page; a non-admin → a real 403
 * (`forbidden()`, app/forbidden.tsx). The procedures check the role again,
 * so this is the first of two locks, not the only one.
 */
export default withReconnecting(async function AdminLayout({ children }: { children: ReactNode }) {
  const me = await requireUser("/admin");
  if (me.role !== "ADMIN") forbidden();
  return (
    <div className="flex flex-col gap-6">
      <AdminNav />
      {children}
    </div>
  );
});
