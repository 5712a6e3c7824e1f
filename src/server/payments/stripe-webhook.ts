import "server-only";

import type Stripe from "stripe";

import type { Db } from "~/server/db";
import { logger } from "~/server/logger";
import { completePaidCheckout } from "~/server/payments/checkout";
import type { StripePaymentProvider } from "~/server/payments/stripe";

/** The answer the webhook route sends: Stripe retries anything but a 2xx. */
export type StripeWebhookResult = { status: number; body: Record<string, unknown> };

/** Events whose session, when paid, grants the checkout's credits. */
const paidSessionEvents = new Set(["checkout.session.completed", "checkout.session.async_payment_succeeded"]);

function refuse(status: number, reason: string, context: Record<string, unknown> = {}): StripeWebhookResult {
  logger.warn({ ...context, reason }, "stripe webhook refused");
  return { status, body: { error: reason } };
}

/**
 * Handles one delivery of a Stripe webhook: verifies the signature over the
 * raw body, then for a paid Checkout Session grants the credits of the
 * checkout it names — only when the session is the one we created for it
 * and its amount and currency are the checkout's frozen price. Stripe
 * delivers at least once and sometimes concurrently; `completePaidCheckout`
 * is keyed by `checkout:<id>`, so every delivery after the first is a
 * replay. Anything refused writes nothing and is logged.
 */
export async function handleStripeWebhook(
  client: Db,
  stripe: StripePaymentProvider,
  rawBody: string,
  signature: string | null,
): Promise<StripeWebhookResult> {
  if (!signature) return refuse(400, "missing Stripe-Signature");
  let event: Stripe.Event;
  try {
    event = stripe.constructEvent(rawBody, signature);
  } catch (error) {
    return refuse(400, "bad signature", { err: error instanceof Error ? error.message : String(error) });
  }
  if (!paidSessionEvents.has(event.type)) return { status: 200, body: { received: true, ignored: event.type } };
  const session = event.data.object as Stripe.Checkout.Session;
  const context = { eventId: event.id, sessionId: session.id };
  const checkoutId = session.client_reference_id ?? session.metadata?.checkoutId ?? null;
  const checkout = checkoutId && /^[0-9a-f-]{36}$/i.test(checkoutId)
    ? await client.checkout.findUnique({
        where: { id: checkoutId },
        select: { id: true, provider: true, priceCents: true, currency: true, providerSessionId: true },
      })
    : null;
  if (!checkout || checkout.provider !== "stripe") return refuse(404, "no such checkout", { ...context, checkoutId });
  if (checkout.providerSessionId !== null && checkout.providerSessionId !== session.id) {
    return refuse(400, "session does not belong to the checkout", { ...context, checkoutId });
  }
  if (session.payment_status !== "paid") return refuse(400, "session not paid", { ...context, paymentStatus: session.payment_status });
  if (session.amount_total !== checkout.priceCents) {
    return refuse(400, "amount does not match", { ...context, expected: checkout.priceCents, got: session.amount_total });
  }
  if (session.currency?.toLowerCase() !== checkout.currency) {
    return refuse(400, "currency does not match", { ...context, expected: checkout.currency, got: session.currency });
  }
  const paymentIntent = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
  const result = await completePaidCheckout(client, checkout.id, {
    cardBrand: null,
    cardLast4: null,
    providerReference: paymentIntent ?? session.id,
  });
  return { status: 200, body: { received: true, replayed: result.replayed, credits: result.credits } };
}
