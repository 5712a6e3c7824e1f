"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RotateCwIcon } from "lucide-react";

import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formatDateTime } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

/** How often the log refreshes while a delivery is still pending. */
const pendingRefreshMs = 3_000;

const statusBadge = {
  PENDING: { variant: "info", label: "Retrying" },
  DELIVERED: { variant: "success", label: "Delivered" },
  FAILED: { variant: "destructive", label: "Failed" },
} as const;

/** The newest deliveries to one endpoint, each with its attempts, last answer and a Resend button. */
export function DeliveryLog({ endpointId, enabled }: { endpointId: string; enabled: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deliveries = useQuery({
    ...trpc.webhooks.deliveries.queryOptions({ endpointId }),
    refetchInterval: (query) => (query.state.data?.some((row) => row.status === "PENDING") ? pendingRefreshMs : false),
  });
  const resend = useMutation(trpc.webhooks.resend.mutationOptions({
    onSuccess: () => toast.success("Queued again with the same webhook-id"),
    onError: (error) => toast.error(appErrorOf(error).appCode === "VALIDATION_ERROR" ? "Enable the endpoint before resending." : "Could not resend. Try again."),
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.queryKey({ endpointId }) }),
  }));

  if (!deliveries.data) return <Skeleton className="h-16" />;
  if (deliveries.data.length === 0) {
    return <p className="rounded-md border border-dashed p-4 text-sm text-muted-foreground">No deliveries yet. They appear here when a subscribed event happens.</p>;
  }
  return (
    <ul className="flex flex-col divide-y rounded-md border" aria-label="Deliveries">
      {deliveries.data.map((row) => {
        const badge = statusBadge[row.status];
        return (
          <li key={row.id} className="flex flex-col gap-2 p-3 text-sm sm:flex-row sm:items-start" data-testid="delivery-row">
            <div className="min-w-0 flex-1">
              <p className="flex flex-wrap items-center gap-2">
                <code className="font-mono text-xs font-medium">{row.eventType}</code>
                <Badge variant={badge.variant}>{badge.label}</Badge>
                {row.lastStatusCode !== null ? <span className="text-xs">HTTP {row.lastStatusCode}</span> : null}
              </p>
              <p className="mt-1 break-all font-mono text-xs text-muted-foreground">webhook-id {row.eventId}</p>
              <p className="text-xs text-muted-foreground">
                {row.attempts} {row.attempts === 1 ? "attempt" : "attempts"} · created {formatDateTime(row.createdAt)}
                {row.deliveredAt ? ` · delivered ${formatDateTime(row.deliveredAt)}` : ""}
                {row.failedAt ? ` · failed ${formatDateTime(row.failedAt)}` : ""}
                {row.nextAttemptAt ? ` · next attempt ${formatDateTime(row.nextAttemptAt)}` : ""}
              </p>
              {row.lastError ? <p className="break-words text-xs text-destructive">{row.lastError}</p> : null}
              {row.attemptLog.length > 0 ? (
                <details className="mt-1 text-xs">
                  <summary className="cursor-pointer text-muted-foreground">Attempts</summary>
                  <ol className="mt-1 flex flex-col gap-0.5" aria-label={`Attempts of ${row.eventId}`}>
                    {row.attemptLog.map((attempt) => (
                      <li key={attempt.attempt} className="break-words">
                        #{attempt.attempt} · {formatDateTime(attempt.startedAt)} ·{" "}
                        {attempt.finishedAt === null
                          ? "no answer recorded (interrupted or in flight)"
                          : `${attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : attempt.error ?? "failed"} · ${attempt.durationMs ?? 0} ms`}
                      </li>
                    ))}
                  </ol>
                </details>
              ) : null}
            </div>
            <Button
              variant="outline"
              size="sm"
              className="self-start"
              disabled={!enabled || resend.isPending}
              onClick={() => resend.mutate({ deliveryId: row.id })}
              aria-label={`Resend ${row.eventType} ${row.eventId}`}
            >
              <RotateCwIcon aria-hidden /> Resend
            </Button>
          </li>
        );
      })}
    </ul>
  );
}
