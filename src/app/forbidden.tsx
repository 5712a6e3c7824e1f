import { ShieldAlertIcon } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

export const metadata: Metadata = { title: "Admins only" };

/** What `forbidden()` renders, with HTTP 403: so far only the admin pages call it. */
export default function Forbidden() {
  return (
    <EmptyState
      headingLevel={1}
      icon={<ShieldAlertIcon />}
      title="403 — Admins only"
      description="Your account does not have access to the admin dashboard."
      action={<Button asChild><Link href="/">Go home</Link></Button>}
    />
  );
}
