import Link from "next/link";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

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
