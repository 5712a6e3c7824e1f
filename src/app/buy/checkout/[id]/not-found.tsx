import Link from "next/link";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

/** What `notFound()` renders for a checkout (with HTTP 404): an unknown id, or another user's checkout. */
export default function CheckoutNotFound() {
  return (
    <EmptyState
      headingLevel={1}
      title="Checkout not found"
      description="It does not exist, or it belongs to another account."
      action={<Button asChild><Link href="/buy">Choose a pack</Link></Button>}
    />
  );
}
