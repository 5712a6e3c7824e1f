"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2Icon, CreditCardIcon, FlaskConicalIcon, Loader2Icon, LockIcon, XCircleIcon } from "lucide-react";
import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formatCents, formatCredits, pluralCredits } from "~/lib/format";
import { formatAsTyped } from "~/lib/format-as-typed";
import { formatCardNumber, formatExpiry } from "~/shared/card-entry";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { useTRPC } from "~/trpc/react";
import { formText } from "~/lib/form-text";

const awaitingPollMs = 2_000;

/**
 * Digits are enough in every field (a phone's numeric keypad often has no
 * "/" or space): the number is grouped by four and the expiry becomes MM/YY
 * as they are typed.
 */
const cardFields = [
  { name: "cardNumber", label: "Card number", autoComplete: "cc-number", placeholder: "4242 4242 4242 4242", maxLength: 23, format: formatCardNumber },
  { name: "expiry", label: "Expiry (MM/YY)", autoComplete: "cc-exp", placeholder: "12/34", maxLength: 7, format: formatExpiry },
  { name: "cvc", label: "CVC", autoComplete: "cc-csc", placeholder: "123", maxLength: 4, format: undefined },
] as const;

/** Pays one checkout with the sandbox provider; a paid checkout shows its receipt (reload-safe). */
export function CheckoutForm({ checkoutId, returnTo }: { checkoutId: string; returnTo: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const checkout = useQuery(trpc.checkout.get.queryOptions({ id: checkoutId }));
  const packs = useQuery(trpc.checkout.packs.queryOptions());
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [declined, setDeclined] = useState<string | null>(null);
  const submitting = useRef(false);
  useUnauthorizedRedirect(checkout.error);
  // eslint-disable-next-line react-hooks/refs -- the ref is read in the mutation's callbacks, after render
  const pay = useMutation(trpc.checkout.pay.mutationOptions({
    onSuccess: async (result) => {
      if (result.status === "declined") {
        setDeclined(result.message);
        return;
      }
      toast.success(`${pluralCredits(result.credits)} added to your balance`);
      await queryClient.invalidateQueries();
    },
    onError: (error) => {
      const { appCode, fieldErrors: fields } = appErrorOf(error);
      if (appCode === "VALIDATION_ERROR" && fields) setFieldErrors(fields);
      else toast.error("The payment could not be processed. Try again.");
    },
    onSettled: () => { submitting.current = false; },
  }));

  if (checkout.error) {
    return <EmptyState title="Checkout not found" action={<Button asChild><Link href="/buy">Choose a pack</Link></Button>} />;
  }
  if (!checkout.data || !packs.data) return <Skeleton className="h-96" />;
  const c = checkout.data;
  const pack = packs.data.packs.find((p) => p.id === c.packId);
  if (c.status === "COMPLETED") return <CheckoutReceipt checkoutId={c.id} credits={c.credits} returnTo={returnTo} />;
  if (c.provider !== "sandbox") return <AwaitingProvider onRefresh={() => void checkout.refetch()} />;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting.current) return;
    submitting.current = true;
    setFieldErrors({});
    setDeclined(null);
    const form = new FormData(event.currentTarget);
    const value = (name: string) => formText(form, name);
    pay.mutate({
      checkoutId,
      card: { cardNumber: value("cardNumber"), expiry: value("expiry"), cvc: value("cvc"), name: value("name") },
      saveCard: form.get("saveCard") === "on",
    });
  }

  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_320px]">
      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2"><CreditCardIcon className="size-4" aria-hidden /> Pay with card</CardTitle>
          <CardDescription className="flex items-center gap-1"><LockIcon className="size-3" aria-hidden /> Sandbox mode — no real money moves.</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <TestCards cards={packs.data.testCards} />
          {declined ? (
            <Alert variant="destructive">
              <XCircleIcon aria-hidden />
              <div><AlertTitle>Payment declined</AlertTitle><AlertDescription>{declined} Try another card.</AlertDescription></div>
            </Alert>
          ) : null}
          <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Payment">
            <div className="flex flex-col gap-2">
              <Label htmlFor="name">Name on card</Label>
              <Input id="name" name="name" autoComplete="cc-name" placeholder="Ada Lovelace" />
            </div>
            <div className="grid grid-cols-1 gap-4 sm:grid-cols-[minmax(0,1fr)_9rem_6rem]">
              {cardFields.map((field) => {
                const error = fieldErrors[`card.${field.name}`]?.[0] ?? fieldErrors[field.name]?.[0];
                return (
                  <div key={field.name} className="flex flex-col gap-2">
                    <Label htmlFor={field.name}>{field.label}</Label>
                    <Input
                      id={field.name}
                      name={field.name}
                      autoComplete={field.autoComplete}
                      inputMode="numeric"
                      placeholder={field.placeholder}
                      maxLength={field.maxLength}
                      onChange={field.format ? formatAsTyped(field.format) : undefined}
                      aria-invalid={!!error || undefined}
                      aria-describedby={error ? `${field.name}-error` : undefined}
                    />
                    <FieldError id={`${field.name}-error`}>{error}</FieldError>
                  </div>
                );
              })}
            </div>
            <div className="flex items-start gap-2">
              <input
                id="saveCard"
                name="saveCard"
                type="checkbox"
                className="mt-0.5 size-4 accent-primary"
                aria-describedby="saveCard-hint"
              />
              <div className="flex flex-col gap-0.5">
                <Label htmlFor="saveCard">Save this card</Label>
                <span id="saveCard-hint" className="text-xs text-muted-foreground">
                  For auto top-up. Only the brand, last four digits and expiry are kept.
                </span>
              </div>
            </div>
            <Button type="submit" size="lg" disabled={pay.isPending}>
              {pay.isPending ? "Processing…" : `Pay ${formatCents(c.priceCents)}`}
            </Button>
          </form>
        </CardContent>
      </Card>
      <Card className="h-fit">
        <CardHeader><CardTitle>Order summary</CardTitle></CardHeader>
        <CardContent>
          <dl className="flex flex-col gap-2 text-sm">
            <div className="flex justify-between"><dt className="text-muted-foreground">Pack</dt><dd className="font-medium">{pack?.name ?? c.packId}</dd></div>
            <div className="flex justify-between"><dt className="text-muted-foreground">Credits</dt><dd className="font-medium tabular-nums">{formatCredits(c.credits)}</dd></div>
            <div className="flex justify-between border-t pt-2"><dt className="font-medium">Total</dt><dd className="font-semibold tabular-nums">{formatCents(c.priceCents)}</dd></div>
          </dl>
          <Link href="/buy" className="mt-4 block text-sm text-primary underline-offset-4 hover:underline">Choose another pack</Link>
        </CardContent>
      </Card>
    </div>
  );
}

function TestCards({ cards }: { cards: { success: string; declined: string; insufficientFunds: string } }) {
  const group = (n: string) => n.replace(/(\d{4})(?=\d)/g, "$1 ");
  return (
    <Alert variant="info">
      <FlaskConicalIcon aria-hidden />
      <div>
        <AlertTitle>Test cards</AlertTitle>
        <AlertDescription>
          <ul className="mt-1 flex flex-col gap-0.5">
            <li><code className="font-mono tabular-nums">{group(cards.success)}</code> succeeds</li>
            <li><code className="font-mono tabular-nums">{group(cards.declined)}</code> is declined</li>
            <li><code className="font-mono tabular-nums">{group(cards.insufficientFunds)}</code> has insufficient funds</li>
          </ul>
          <span className="mt-1 block">Any future expiry (e.g. 12/34) and any 3-digit CVC.</span>
        </AlertDescription>
      </div>
    </Alert>
  );
}

/** Back from a hosted page (Stripe): the credits arrive with the provider's webhook, usually within seconds. */
function AwaitingProvider({ onRefresh }: { onRefresh: () => void }) {
  useEffect(() => {
    const timer = setInterval(onRefresh, awaitingPollMs);
    return () => clearInterval(timer);
  }, [onRefresh]);
  return (
    <Card className="mx-auto max-w-lg">
      <CardContent className="flex flex-col items-center gap-3 py-10 text-center" role="status" aria-live="polite">
        <Loader2Icon className="size-8 animate-spin text-muted-foreground" aria-hidden />
        <h2 className="text-xl font-semibold">Confirming your payment…</h2>
        <p className="text-muted-foreground">Your credits appear as soon as the payment provider confirms it. You may leave this page.</p>
        <Button asChild variant="outline"><Link href="/statement">View statement</Link></Button>
      </CardContent>
    </Card>
  );
}

function CheckoutReceipt({ checkoutId, credits, returnTo }: { checkoutId: string; credits: number; returnTo: string | null }) {
  return (
    <Card className="mx-auto max-w-lg">
      <CardContent className="flex flex-col items-center gap-4 py-10 text-center">
        <CheckCircle2Icon className="size-10 text-success" aria-hidden />
        <h2 className="text-xl font-semibold">Payment complete</h2>
        <p className="text-muted-foreground" data-testid="checkout-complete">{pluralCredits(credits)} were added to your balance.</p>
        <div className="flex flex-wrap justify-center gap-2">
          <Button asChild><Link href={returnTo ?? "/"}>{returnTo ? "Continue where you left off" : "Start generating"}</Link></Button>
          <Button asChild variant="outline"><Link href={`/receipts/${checkoutId}`}>View receipt</Link></Button>
          <Button asChild variant="ghost"><Link href="/statement">View statement</Link></Button>
        </div>
      </CardContent>
    </Card>
  );
}
