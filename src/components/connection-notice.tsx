"use client";

import { useQueryClient } from "@tanstack/react-query";
import { RefreshCwIcon } from "lucide-react";
import { useSyncExternalStore } from "react";

import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { isReconnectable } from "~/lib/app-error";

/**
 * Says so while the server cannot be reached or cannot reach its database
 * (a query's last fetch failed with CONFLICT_RETRY or got no answer):
 * queries keep what they showed and retry by themselves, and the notice
 * goes when one of them gets through again. Never an error page for that.
 */
export function ConnectionNotice() {
  const queryClient = useQueryClient();
  const cache = queryClient.getQueryCache();
  const reconnecting = useSyncExternalStore(
    (onChange) => cache.subscribe(onChange),
    // Only queries something on the page still shows (and retries).
    () => cache.getAll().some((query) => query.getObserversCount() > 0 && isReconnectable(query.state.fetchFailureReason)),
    () => false,
  );
  if (!reconnecting) return null;
  return (
    <div className="mx-auto w-full max-w-6xl px-4 pt-4">
      <Alert variant="info" data-testid="connection-notice">
        <RefreshCwIcon className="animate-spin motion-reduce:animate-none" aria-hidden />
        <div>
          <AlertTitle>Reconnecting…</AlertTitle>
          <AlertDescription>The server cannot reach its database for a moment. This page retries by itself; nothing you did is lost.</AlertDescription>
        </div>
      </Alert>
    </div>
  );
}
