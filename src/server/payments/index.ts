import { env } from "~/env.js";
import { AppError } from "~/server/errors";
import type { PaymentProvider } from "~/server/payments/provider";
import { sandboxProvider } from "~/server/payments/sandbox";
import { createStripeProvider, type StripePaymentProvider } from "~/server/payments/stripe";

const globalForPayments = globalThis as unknown as { creditworksPaymentProviders?: Map<string, PaymentProvider> };

/** The providers of this process by id: the sandbox always, Stripe when configured. */
function providers(): Map<string, PaymentProvider> {
  if (!globalForPayments.creditworksPaymentProviders) {
    const map = new Map<string, PaymentProvider>([[sandboxProvider.id, sandboxProvider]]);
    if (env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET) {
      map.set("stripe", createStripeProvider({ secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET }));
    }
    globalForPayments.creditworksPaymentProviders = map;
  }
  return globalForPayments.creditworksPaymentProviders;
}

/** The provider new checkouts use (`PAYMENT_PROVIDER`; env.js refuses stripe without its secrets). */
export function defaultPaymentProvider(): PaymentProvider {
  return paymentProviderFor(env.PAYMENT_PROVIDER);
}

/** The provider a checkout was opened with; unknown ids are refused. */
export function paymentProviderFor(id: string): PaymentProvider {
  const provider = providers().get(id);
  if (!provider) throw new AppError("VALIDATION_ERROR", "Unknown payment provider.");
  return provider;
}

/** The Stripe provider when it is configured, else null (its webhook then answers 404). */
export function stripeProvider(): StripePaymentProvider | null {
  return (providers().get("stripe") as StripePaymentProvider | undefined) ?? null;
}

/** Replaces a provider of this process (tests: Stripe pointed at a local server). */
export function registerPaymentProvider(provider: PaymentProvider): void {
  providers().set(provider.id, provider);
}
