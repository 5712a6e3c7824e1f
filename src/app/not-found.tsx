import type { Metadata } from "next";
import Link from "next/link";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

export const metadata: Metadata = { title: "Page not found" };

/** What an unknown address, or `notFound()` outside a segment with its own, renders (HTTP 404). */
export default function NotFound() {
  return (
    <EmptyState
      headingLevel={1}
      title="Page not found"
      description="This page does not exist."
      action={<Button asChild><Link href="/">Go home</Link></Button>}
    />
  );
}
