"use client";

import { RefreshCwIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

import { Button } from "~/components/ui/button";
import { EmptyState } from "~/components/ui/empty-state";
import { queryRetryDelayMs } from "~/lib/app-error";

/**
 * What a page shows when the server could not read what it needs because
 * its database is unavailable (restarting, unreachable): a reconnecting
 * state that renders the page again by itself (1, 2, 4, 8, then every 10
 * seconds), instead of an error page. It goes as soon as a render succeeds.
 */
export function ReconnectingPage() {
  const router = useRouter();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const timer = setTimeout(() => {
      setAttempt((done) => done + 1);
      router.refresh();
    }, queryRetryDelayMs(attempt));
    return () => clearTimeout(timer);
  }, [attempt, router]);
  return (
    <div data-testid="reconnecting-page" role="status" aria-live="polite">
      <EmptyState
        headingLevel={1}
        icon={<RefreshCwIcon className="animate-spin motion-reduce:animate-none" />}
        title="Reconnecting…"
        description="The server cannot reach its database for a moment. This page loads by itself as soon as it can."
        action={
          <Button variant="outline" onClick={() => { setAttempt((done) => done + 1); router.refresh(); }}>
            Try now
          </Button>
        }
      />
    </div>
  );
}
