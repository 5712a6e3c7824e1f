import Stripe from "stripe";

import type { CheckoutToPay, HostedCheckout, PaymentProvider } from "~/server/payments/provider";

/** How long a webhook's signature timestamp may be old (Stripe's default: 5 minutes). */
const signatureToleranceSeconds = 300;
/** Stripe API calls give up after this; the buyer may click again (idempotent). */
const stripeTimeoutMs = 20_000;
const stripeNetworkRetriesMax = 2;

export type StripeConfig = {
  secretKey: string;
  webhookSecret: string;
  /** For tests: a client pointed at a local server that answers like Stripe's API. */
  client?: Stripe;
};

/** The Stripe provider: hosted Checkout Sessions, and the signed webhook's events. */
export type StripePaymentProvider = PaymentProvider & {
  readonly id: "stripe";
  /** Verifies a webhook's `Stripe-Signature` over the raw body; throws when it does not match. */
  constructEvent(rawBody: string, signature: string): Stripe.Event;
};

/**
 * Stripe Checkout. A checkout of ours becomes one Checkout Session (mode
 * payment, one line item at the checkout's frozen price), created with the
 * checkout id as both `client_reference_id` and the Stripe idempotency key,
 * so a double click or a retry gets the same session. Stripe never returns a
 * confirmation to the browser that we trust: `verifyConfirmation` refuses
 * everything, and the credits come only from the signed
 * `checkout.session.completed` webhook (stripe-webhook.ts).
 */
export function createStripeProvider(config: StripeConfig): StripePaymentProvider {
  const stripe =
    config.client ??
    new Stripe(config.secretKey, { timeout: stripeTimeoutMs, maxNetworkRetries: stripeNetworkRetriesMax, appInfo: { name: "Creditworks" } });
  return {
    id: "stripe",
    async startHostedCheckout(
      checkout: CheckoutToPay & { packName: string },
      urls: { successUrl: string; cancelUrl: string },
    ): Promise<HostedCheckout> {
      const session = await stripe.checkout.sessions.create(
        {
          mode: "payment",
          client_reference_id: checkout.id,
          metadata: { checkoutId: checkout.id, workspaceId: checkout.workspaceId },
          payment_intent_data: { metadata: { checkoutId: checkout.id } },
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: checkout.currency,
                unit_amount: checkout.priceCents,
                product_data: { name: `${checkout.packName} pack: ${checkout.credits} Creditworks credits` },
              },
            },
          ],
          success_url: urls.successUrl,
          cancel_url: urls.cancelUrl,
        },
        { idempotencyKey: `checkout-session:${checkout.id}` },
      );
      if (!session.url) throw new Error("Stripe returned a Checkout Session without a URL");
      return { sessionId: session.id, url: session.url };
    },
    async verifyConfirmation(): Promise<boolean> {
      return false;
    },
    constructEvent(rawBody: string, signature: string): Stripe.Event {
      return stripe.webhooks.constructEvent(rawBody, signature, config.webhookSecret, signatureToleranceSeconds);
    },
  };
}
