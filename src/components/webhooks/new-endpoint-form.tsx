"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FieldError } from "~/components/ui/label";
import { appErrorOf } from "~/lib/app-error";
import { webhookEventDescriptions, webhookEventTypes, type WebhookEventType } from "~/shared/webhook-events";
import { useTRPC } from "~/trpc/react";
import { formText } from "~/lib/form-text";

/** Registers an endpoint (URL and events); the new secret goes to `onCreated`, to be shown once. */
export function NewEndpointForm({ onCreated, allowPrivateTargets }: { onCreated: (secret: string) => void; allowPrivateTargets: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set(["job.completed", "job.failed"]));
  const [errors, setErrors] = useState<{ url?: string; events?: string; form?: string }>({});
  const create = useMutation(trpc.webhooks.create.mutationOptions({
    onSuccess: async ({ secret }) => {
      setErrors({});
      onCreated(secret);
      await queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
    },
    onError: (error) => {
      const { appCode, fieldErrors } = appErrorOf(error);
      if (appCode === "VALIDATION_ERROR") setErrors({ url: fieldErrors?.url?.[0], events: fieldErrors?.events?.[0], form: fieldErrors?._?.[0] });
      else setErrors({ form: "Could not add the endpoint. Try again." });
    },
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const url = formText(new FormData(form), "webhook-url").trim();
    if (!url) return setErrors({ url: "Enter the URL of your endpoint." });
    if (events.size === 0) return setErrors({ events: "Pick at least one event." });
    create.mutate({ url, events: [...events] }, { onSuccess: () => form.reset() });
  }

  function toggle(type: WebhookEventType, checked: boolean) {
    setEvents((current) => {
      const next = new Set(current);
      if (checked) next.add(type);
      else next.delete(type);
      return next;
    });
  }

  return (
    <Card aria-labelledby="new-endpoint-title">
      <CardHeader>
        <CardTitle id="new-endpoint-title">Add an endpoint</CardTitle>
        <CardDescription>We POST signed JSON to this HTTPS URL when the events you pick happen.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Add a webhook endpoint">
          <FormField id="webhook-url" label="Endpoint URL" type="url" inputMode="url" placeholder="https://example.com/webhooks" error={errors.url} hint={allowPrivateTargets
            ? "This server also delivers to http:// and to private and local addresses (WEBHOOKS_ALLOW_PRIVATE is on)."
            : "Public HTTPS only: this server refuses private and local addresses."} />
          <fieldset className="flex flex-col gap-2" aria-describedby={errors.events ? "webhook-events-error" : undefined}>
            <legend className="mb-1 text-sm font-medium">Events</legend>
            {webhookEventTypes.map((type) => (
              <label key={type} className="flex items-start gap-2 text-sm">
                <input type="checkbox" name="webhook-events" value={type} checked={events.has(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} className="mt-0.5 size-4 shrink-0" />
                <span className="min-w-0">
                  <code className="font-mono text-xs">{type}</code>
                  <span className="block text-xs text-muted-foreground">{webhookEventDescriptions[type]}</span>
                </span>
              </label>
            ))}
            <FieldError id="webhook-events-error">{errors.events}</FieldError>
          </fieldset>
          <FieldError role="alert">{errors.form}</FieldError>
          <Button type="submit" className="self-start" disabled={create.isPending}>{create.isPending ? "Adding…" : "Add endpoint"}</Button>
        </form>
      </CardContent>
    </Card>
  );
}
