"use client";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";

/** Any unexpected error: a generic message, never internals. */
export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <>
      {/* A client boundary exports no metadata; React puts this title in the head. */}
      <title>Something went wrong · Creditworks</title>
      <EmptyState
        headingLevel={1}
        title="Something went wrong"
        description="Please try again in a moment."
        action={<Button onClick={reset}>Try again</Button>}
      />
    </>
  );
}
