"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { WebhookIcon } from "lucide-react";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { EndpointCard } from "~/components/webhooks/endpoint-card";
import { NewEndpointForm } from "~/components/webhooks/new-endpoint-form";
import { SecretDialog } from "~/components/webhooks/secret-dialog";
import { appErrorOf } from "~/lib/app-error";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { useTRPC } from "~/trpc/react";
import { formText } from "~/lib/form-text";

/** The webhooks settings page: endpoints with their delivery logs, a new endpoint, the credits.low threshold. */
export function WebhooksSettings() {
  const trpc = useTRPC();
  const list = useQuery(trpc.webhooks.list.queryOptions());
  useUnauthorizedRedirect(list.error);
  const [secret, setSecret] = useState<{ value: string; title: string } | null>(null);

  return (
    <div className="flex max-w-3xl flex-col gap-6">
      <section aria-labelledby="endpoints-title" className="flex flex-col gap-4">
        <h2 id="endpoints-title" className="text-lg font-semibold">Endpoints</h2>
        {!list.data ? (
          <Skeleton className="h-32" />
        ) : list.data.endpoints.length === 0 ? (
          <EmptyState icon={<WebhookIcon />} title="No endpoints yet" description="Add an endpoint below to hear about finished jobs, low balance and purchases as they happen." />
        ) : (
          list.data.endpoints.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} onSecret={(value) => setSecret({ value, title: "Your new signing secret" })} />
          ))
        )}
      </section>
      <NewEndpointForm allowPrivateTargets={list.data?.allowPrivateTargets ?? false} onCreated={(value) => setSecret({ value, title: "Endpoint added" })} />
      {list.data ? <LowBalanceCard threshold={list.data.lowBalanceThreshold} isDefault={list.data.thresholdIsDefault} /> : null}
      <SecretDialog secret={secret?.value ?? null} title={secret?.title ?? ""} onClose={() => setSecret(null)} />
    </div>
  );
}

function LowBalanceCard({ threshold, isDefault }: { threshold: number; isDefault: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | undefined>();
  const save = useMutation(trpc.webhooks.setLowBalanceThreshold.mutationOptions({
    onSuccess: ({ lowBalanceThreshold }) => {
      setError(undefined);
      toast.success(`credits.low now fires below ${lowBalanceThreshold} credits`);
    },
    onError: (failure) => setError(appErrorOf(failure).fieldErrors?.threshold?.[0] ?? "Could not save. Try again."),
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() }),
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const raw = formText(new FormData(event.currentTarget), "low-balance-threshold").trim();
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) return setError("Enter a whole number of credits, at least 1.");
    save.mutate({ threshold: value });
  }

  return (
    <Card aria-labelledby="low-balance-title">
      <CardHeader>
        <CardTitle id="low-balance-title">Low-balance threshold</CardTitle>
        <CardDescription>
          <code className="font-mono">credits.low</code> is sent when a debit takes your balance from this many credits or more to fewer
          {isDefault ? " (the default)" : ""}.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} noValidate className="flex flex-col gap-3 sm:flex-row sm:items-end" aria-label="Low-balance threshold">
          <div className="sm:w-48">
            <FormField key={threshold} id="low-balance-threshold" label="Threshold (credits)" type="number" min={1} step={1} inputMode="numeric" defaultValue={threshold} error={error} />
          </div>
          <div className="flex gap-2">
            <Button type="submit" disabled={save.isPending}>Save threshold</Button>
            {!isDefault ? <Button type="button" variant="ghost" disabled={save.isPending} onClick={() => save.mutate({ threshold: null })}>Use the default</Button> : null}
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
