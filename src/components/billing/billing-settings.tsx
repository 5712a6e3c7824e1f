"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { CreditCardIcon, Trash2Icon, XCircleIcon, ZapIcon } from "lucide-react";
import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";

import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge, type BadgeProps } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formatCents, formatCredits, formatDateTime } from "~/lib/format";
import { formatAsTyped } from "~/lib/format-as-typed";
import { formatCardNumber, formatExpiry } from "~/shared/card-entry";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import type { AppRouter } from "~/server/trpc/root";
import { useTRPC } from "~/trpc/react";
import { formText } from "~/lib/form-text";

const selectClass =
  "h-9 w-full rounded-md border border-input bg-card px-3 text-sm shadow-sm focus-visible:outline-none focus-visible:ring-2 " +
  "focus-visible:ring-ring aria-invalid:border-destructive";

const topupLook: Record<string, { label: string; variant: BadgeProps["variant"] }> = {
  PENDING: { label: "Pending", variant: "secondary" },
  PROCESSING: { label: "Processing", variant: "info" },
  SUCCEEDED: { label: "Succeeded", variant: "success" },
  DECLINED: { label: "Declined", variant: "destructive" },
  FAILED: { label: "Failed", variant: "warning" },
};

/** Saved cards, the auto top-up setting and recent top-ups. */
export function BillingSettings() {
  const trpc = useTRPC();
  const billing = useQuery(trpc.billing.autoTopup.queryOptions());
  const packs = useQuery(trpc.checkout.packs.queryOptions());
  useUnauthorizedRedirect(billing.error);
  if (!billing.data || !packs.data) return <div className="flex flex-col gap-4"><Skeleton className="h-64" /><Skeleton className="h-48" /></div>;
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <AutoTopupForm data={billing.data} packs={packs.data.packs} />
      <div className="flex flex-col gap-6">
        <SavedCards methods={billing.data.paymentMethods} testCards={packs.data.testCards} />
        <RecentTopups topups={billing.data.topups} />
      </div>
    </div>
  );
}

type BillingData = inferRouterOutputs<AppRouter>["billing"]["autoTopup"];
type Pack = { id: string; name: string; credits: number; priceCents: number };

function AutoTopupForm({ data, packs }: { data: BillingData; packs: readonly Pack[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const setting = data.setting;
  const [enabled, setEnabled] = useState(setting?.enabled ?? false);
  const [threshold, setThreshold] = useState(String(setting?.thresholdCredits ?? 20));
  const [packId, setPackId] = useState(setting?.packId ?? packs[0]?.id ?? "");
  const [methodId, setMethodId] = useState(setting?.paymentMethodId ?? data.paymentMethods[0]?.id ?? "");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  // A card saved meanwhile becomes the choice when none was made.
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- adopts a card saved in another tab once the query returns it
    if (!methodId && data.paymentMethods[0]) setMethodId(data.paymentMethods[0].id);
  }, [data.paymentMethods, methodId]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- follows a setting the server turned off after this form was filled
    if (setting && !setting.enabled) setEnabled(false);
  }, [setting]);
  const save = useMutation(trpc.billing.updateAutoTopup.mutationOptions({
    onSuccess: async (result) => {
      setFieldErrors({});
      toast.success(result.setting?.enabled ? "Auto top-up is on" : "Auto top-up is off");
      await queryClient.invalidateQueries(trpc.billing.autoTopup.queryFilter());
    },
    onError: (error) => {
      const { appCode, fieldErrors: fields } = appErrorOf(error);
      if (appCode === "VALIDATION_ERROR" && fields) setFieldErrors(fields);
      else toast.error("Could not save the auto top-up. Try again.");
    },
  }));
  const pack = packs.find((p) => p.id === packId);
  const error = (name: string) => fieldErrors[name]?.[0];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFieldErrors({});
    const thresholdCredits = Number(threshold);
    save.mutate({ enabled, thresholdCredits: Number.isFinite(thresholdCredits) ? thresholdCredits : 0, packId, paymentMethodId: methodId || null });
  }

  return (
    <Card className="h-fit">
      <CardHeader>
        <CardTitle className="flex items-center gap-2"><ZapIcon className="size-4" aria-hidden /> Auto top-up</CardTitle>
        <CardDescription>
          When a charge takes your balance below the threshold, we buy a pack with your saved card, once per crossing.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {setting?.disabledReason && !setting.enabled ? (
          <Alert variant="destructive">
            <XCircleIcon aria-hidden />
            <div>
              <AlertTitle>Auto top-up was turned off</AlertTitle>
              <AlertDescription>{setting.disabledReason} Save a working card, pick it and turn auto top-up on again.</AlertDescription>
            </div>
          </Alert>
        ) : null}
        <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Auto top-up settings" noValidate>
          <div className="flex items-start gap-2">
            <input
              id="autoTopupEnabled"
              type="checkbox"
              className="mt-0.5 size-4 accent-primary"
              checked={enabled}
              onChange={(event) => setEnabled(event.target.checked)}
            />
            <Label htmlFor="autoTopupEnabled">Turn on auto top-up</Label>
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="thresholdCredits">Top up when my balance falls below (credits)</Label>
            <Input
              id="thresholdCredits"
              inputMode="numeric"
              value={threshold}
              onChange={(event) => setThreshold(event.target.value)}
              aria-invalid={!!error("thresholdCredits") || undefined}
              aria-describedby={error("thresholdCredits") ? "thresholdCredits-hint thresholdCredits-error" : "thresholdCredits-hint"}
            />
            <span id="thresholdCredits-hint" className="text-xs text-muted-foreground">
              At least 1 and below the pack&apos;s credits{pack ? ` (${formatCredits(pack.credits)})` : ""}.
            </span>
            <FieldError id="thresholdCredits-error">{error("thresholdCredits")}</FieldError>
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="packId">Pack to buy</Label>
            <select id="packId" className={selectClass} value={packId} onChange={(event) => setPackId(event.target.value)}
              aria-invalid={!!error("packId") || undefined} aria-describedby={error("packId") ? "packId-error" : undefined}>
              {packs.map((p) => (
                <option key={p.id} value={p.id}>{p.name}: {formatCredits(p.credits)} credits for {formatCents(p.priceCents)}</option>
              ))}
            </select>
            <FieldError id="packId-error">{error("packId")}</FieldError>
          </div>
          <div className="flex flex-col gap-2">
            <Label htmlFor="paymentMethodId">Pay with</Label>
            <select id="paymentMethodId" className={selectClass} value={methodId} onChange={(event) => setMethodId(event.target.value)}
              aria-invalid={!!error("paymentMethodId") || undefined} aria-describedby={error("paymentMethodId") ? "paymentMethodId-error" : undefined}>
              {data.paymentMethods.length === 0 ? <option value="">No saved card yet</option> : null}
              {data.paymentMethods.map((m) => (
                <option key={m.id} value={m.id}>{m.brand} ending in {m.last4} (expires {String(m.expMonth).padStart(2, "0")}/{m.expYear})</option>
              ))}
            </select>
            <FieldError id="paymentMethodId-error">{error("paymentMethodId")}</FieldError>
          </div>
          <Button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save auto top-up"}</Button>
        </form>
      </CardContent>
    </Card>
  );
}

function SavedCards({ methods, testCards }: { methods: BillingData["paymentMethods"]; testCards: { success: string; declined: string } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const refresh = () => queryClient.invalidateQueries(trpc.billing.autoTopup.queryFilter());
  const saveCard = useMutation(trpc.billing.saveCard.mutationOptions({
    onSuccess: async (saved) => {
      setFieldErrors({});
      toast.success(`${saved.brand} ending in ${saved.last4} saved`);
      await refresh();
    },
    onError: (error) => {
      const { appCode, fieldErrors: fields } = appErrorOf(error);
      if (appCode === "VALIDATION_ERROR" && fields) setFieldErrors(fields);
      else toast.error("Could not save the card. Try again.");
    },
  }));
  const removeCard = useMutation(trpc.billing.removeCard.mutationOptions({ onSuccess: refresh }));
  const error = (name: string) => fieldErrors[`card.${name}`]?.[0] ?? fieldErrors[name]?.[0];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: string) => formText(form, name);
    saveCard.mutate(
      { card: { cardNumber: value("cardNumber"), expiry: value("expiry"), cvc: value("cvc") } },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2"><CreditCardIcon className="size-4" aria-hidden /> Saved cards</CardTitle>
        <CardDescription>
          Sandbox: {testCards.success.replace(/(\d{4})(?=\d)/g, "$1 ")} pays, {testCards.declined.replace(/(\d{4})(?=\d)/g, "$1 ")} is declined.
          Only the brand, last four digits and expiry are kept.
        </CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {methods.length === 0 ? (
          <p className="text-sm text-muted-foreground">No saved card yet. Add one below, or tick “Save this card” when you buy credits.</p>
        ) : (
          <ul className="flex flex-col divide-y rounded-md border" aria-label="Saved cards">
            {methods.map((m) => (
              <li key={m.id} className="flex items-center justify-between gap-2 px-3 py-2 text-sm">
                <span className="min-w-0 break-words">{m.brand} ending in {m.last4} · expires {String(m.expMonth).padStart(2, "0")}/{m.expYear}</span>
                <Button variant="ghost" size="sm" aria-label={`Remove ${m.brand} ending in ${m.last4}`}
                  disabled={removeCard.isPending} onClick={() => removeCard.mutate({ id: m.id })}>
                  <Trash2Icon className="size-4" aria-hidden />
                </Button>
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={onSubmit} className="flex flex-col gap-3" aria-label="Add a card" noValidate>
          <div className="flex flex-col gap-2">
            <Label htmlFor="newCardNumber">Card number</Label>
            <Input id="newCardNumber" name="cardNumber" autoComplete="cc-number" inputMode="numeric" placeholder="4242 4242 4242 4242"
              maxLength={23} onChange={formatAsTyped(formatCardNumber)}
              aria-invalid={!!error("cardNumber") || undefined} aria-describedby={error("cardNumber") ? "newCardNumber-error" : undefined} />
            <FieldError id="newCardNumber-error">{error("cardNumber")}</FieldError>
          </div>
          <div className="grid grid-cols-2 gap-3">
            <div className="flex flex-col gap-2">
              <Label htmlFor="newCardExpiry">Expiry (MM/YY)</Label>
              <Input id="newCardExpiry" name="expiry" autoComplete="cc-exp" inputMode="numeric" placeholder="12/34"
                maxLength={7} onChange={formatAsTyped(formatExpiry)}
                aria-invalid={!!error("expiry") || undefined} aria-describedby={error("expiry") ? "newCardExpiry-error" : undefined} />
              <FieldError id="newCardExpiry-error">{error("expiry")}</FieldError>
            </div>
            <div className="flex flex-col gap-2">
              <Label htmlFor="newCardCvc">CVC</Label>
              <Input id="newCardCvc" name="cvc" autoComplete="cc-csc" inputMode="numeric" placeholder="123" maxLength={4}
                aria-invalid={!!error("cvc") || undefined} aria-describedby={error("cvc") ? "newCardCvc-error" : undefined} />
              <FieldError id="newCardCvc-error">{error("cvc")}</FieldError>
            </div>
          </div>
          <Button type="submit" variant="outline" disabled={saveCard.isPending}>{saveCard.isPending ? "Saving…" : "Save card"}</Button>
        </form>
      </CardContent>
    </Card>
  );
}

function RecentTopups({ topups }: { topups: BillingData["topups"] }) {
  return (
    <Card>
      <CardHeader><CardTitle>Recent top-ups</CardTitle></CardHeader>
      <CardContent>
        {topups.length === 0 ? (
          <EmptyState title="No top-ups yet" description="They appear here, and on your statement, when your balance crosses the threshold." className="py-6" />
        ) : (
          <ul className="flex flex-col divide-y text-sm" aria-label="Recent top-ups">
            {topups.map((topup) => (
              <li key={topup.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="topup-row">
                <span className="text-muted-foreground">{formatDateTime(topup.createdAt)}</span>
                <span className="flex items-center gap-2">
                  <Badge variant={topupLook[topup.status]?.variant}>{topupLook[topup.status]?.label ?? topup.status}</Badge>
                  {topup.status === "SUCCEEDED" && topup.checkoutId ? (
                    <Link href={`/receipts/${topup.checkoutId}`} className="text-primary underline-offset-4 hover:underline">Receipt</Link>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
