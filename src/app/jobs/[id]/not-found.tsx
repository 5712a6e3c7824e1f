import Link from "next/link";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

/** What `notFound()` renders for a job (with HTTP 404): an unknown id, or another user's job. */
export default function JobNotFound() {
  return (
    <EmptyState
      headingLevel={1}
      title="Job not found"
      description="It does not exist, or it belongs to another account."
      action={<Button asChild><Link href="/jobs">Back to jobs</Link></Button>}
    />
  );
}
