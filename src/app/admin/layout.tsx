import type { Metadata } from "next";
import type { ReactNode } from "react";

import { AdminNav } from "~/components/admin/admin-nav";
import { adminTitle, requireAdmin } from "~/trpc/require-user";
import { withReconnecting } from "~/app/with-reconnecting";

/** Every admin page's title says so; anyone else sees the 403's title, whichever admin page they asked for. */
export async function generateMetadata(): Promise<Metadata> {
  return { title: await adminTitle("Admin") };
}

/**
 * Every /admin page checks the session on the server before rendering: no
 * session → sign-in, and back to that admin page; a non-admin → a real 403
 * (`forbidden()`, app/forbidden.tsx). The procedures check the role again,
 * so this is the first of two locks, not the only one.
 */
export default withReconnecting(async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdmin("/admin");
  return (
    <div className="flex flex-col gap-6">
      <AdminNav />
      {children}
    </div>
  );
});
