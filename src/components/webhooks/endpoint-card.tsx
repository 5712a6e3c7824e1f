"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, Trash2Icon } from "lucide-react";
import { useState, type ReactNode } from "react";

import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardHeader } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogFooter, AlertDialogHeader, AlertDialogTitle,
  AlertDialogTrigger,
} from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";
import { formatDateTime } from "~/lib/format";
import { DeliveryLog } from "~/components/webhooks/delivery-log";
import { useTRPC } from "~/trpc/react";

export type EndpointSummary = {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  /** Why deliveries to it would be refused now (this server's rule for targets, the host's address); null: they would not. */
  deliveryRefusal: string | null;
};

/** One endpoint: its URL, events and state, enable/disable, rotate, delete, and its delivery log. */
export function EndpointCard({ endpoint, onSecret }: { endpoint: EndpointSummary; onSecret: (secret: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [showLog, setShowLog] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
  const setEnabled = useMutation(trpc.webhooks.setEnabled.mutationOptions({
    onSuccess: (updated) => toast.success(updated.enabled ? "Endpoint enabled" : "Endpoint disabled"),
    onError: () => toast.error("Could not change the endpoint. Try again."),
    onSettled: refresh,
  }));
  const rotate = useMutation(trpc.webhooks.rotateSecret.mutationOptions({
    onSuccess: ({ secret }) => onSecret(secret),
    onError: () => toast.error("Could not rotate the secret. Try again."),
  }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({
    onSuccess: () => toast.success("Endpoint deleted"),
    onError: () => toast.error("Could not delete the endpoint. Try again."),
    onSettled: refresh,
  }));
  const titleId = `endpoint-${endpoint.id}-title`;
  const logId = `endpoint-${endpoint.id}-log`;

  return (
    <Card aria-labelledby={titleId} data-testid="webhook-endpoint">
      <CardHeader className="gap-2">
        <h3 id={titleId} className="break-all font-mono text-sm font-semibold">{endpoint.url}</h3>
        <div className="flex flex-wrap items-center gap-2">
          {endpoint.enabled ? <Badge variant="success">Enabled</Badge> : <Badge variant="warning">Disabled</Badge>}
          {endpoint.events.map((type) => <Badge key={type} variant="outline"><code className="font-mono">{type}</code></Badge>)}
        </div>
        <p className="text-xs text-muted-foreground">
          Added {formatDateTime(endpoint.createdAt)}
          {endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date()
            ? ` · the previous secret also signs until ${formatDateTime(endpoint.previousSecretExpiresAt)}`
            : ""}
        </p>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {endpoint.deliveryRefusal ? (
          <Alert variant="warning" data-testid="webhook-delivery-refused">
            <div>
              <AlertTitle>Deliveries to this endpoint will be refused</AlertTitle>
              <AlertDescription>
                {endpoint.deliveryRefusal} Every attempt fails before anything is sent, until the URL points at an address this
                server delivers to.
              </AlertDescription>
            </div>
          </Alert>
        ) : null}
        {endpoint.disabledReason === "FAILING" ? (
          <Alert variant="warning">
            <div>
              <AlertTitle>Disabled after failing deliveries</AlertTitle>
              <AlertDescription>
                Every delivery to this endpoint failed for a whole retry window{endpoint.disabledAt ? ` (disabled ${formatDateTime(endpoint.disabledAt)})` : ""}.
                Fix the receiver, enable it again, and resend what it missed.
              </AlertDescription>
            </div>
          </Alert>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" disabled={setEnabled.isPending} onClick={() => setEnabled.mutate({ endpointId: endpoint.id, enabled: !endpoint.enabled })}>
            {endpoint.enabled ? "Disable" : "Enable"}
          </Button>
          <ConfirmButton
            label="Rotate secret"
            icon={<KeyRoundIcon aria-hidden />}
            title="Rotate the signing secret?"
            description="A new secret is shown once. For the next 24 hours deliveries carry a signature by the old secret too, so your receiver can switch over."
            confirm="Rotate secret"
            onConfirm={() => rotate.mutate({ endpointId: endpoint.id })}
          />
          <ConfirmButton
            label="Delete"
            icon={<Trash2Icon aria-hidden />}
            title="Delete this endpoint?"
            description="Its delivery log goes with it and pending deliveries stop. This cannot be undone."
            confirm="Delete endpoint"
            destructive
            onConfirm={() => remove.mutate({ endpointId: endpoint.id })}
          />
          <Button variant="ghost" size="sm" aria-expanded={showLog} aria-controls={logId} onClick={() => setShowLog((shown) => !shown)}>
            {showLog ? "Hide deliveries" : "Show deliveries"}
          </Button>
        </div>
        {showLog ? <div id={logId}><DeliveryLog endpointId={endpoint.id} enabled={endpoint.enabled} /></div> : null}
      </CardContent>
    </Card>
  );
}

/** A button that asks first, in an alert dialog (focus trapped, Escape cancels). */
function ConfirmButton(props: { label: string; icon: ReactNode; title: string; description: string; confirm: string; destructive?: boolean; onConfirm: () => void }) {
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="outline" size="sm">{props.icon} {props.label}</Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{props.title}</AlertDialogTitle>
          <AlertDialogDescription>{props.description}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction variant={props.destructive ? "destructive" : "default"} onClick={props.onConfirm}>{props.confirm}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
