/** The card details an embedded payment form collects (never stored). */
export type CardInput = {
  cardNumber: string;
  expiry: string;
  cvc: string;
  name?: string;
};

/** What a payment provider needs to know about a checkout to take the money. */
export type CheckoutToPay = { id: string; userId: string; credits: number; priceCents: number };

/**
 * The outcome of one payment attempt. `paid` carries the confirmation the
 * provider will deliver (through the browser's return and/or a webhook);
 * `declined` changes nothing and the user may try another card.
 */
export type PaymentAttempt =
  | { status: "paid"; confirmation: CheckoutConfirmation }
  | { status: "declined"; declineCode: string; message: string };

/** A provider's proof that a checkout was paid, verifiable by the provider. */
export type CheckoutConfirmation = { checkoutId: string; provider: string; token: string };

/**
 * A payment provider. The sandbox implements it offline (like a provider's
 * test mode); a real provider (Stripe, Paddle, …) plugs in behind the same
 * two calls: take a payment for a checkout, and verify a confirmation that
 * arrives later — possibly twice, possibly from a webhook. Granting the
 * credits is never the provider's job: `completeCheckout` does it once.
 */
export interface PaymentProvider {
  readonly id: string;
  pay(checkout: CheckoutToPay, card: CardInput): Promise<PaymentAttempt>;
  verifyConfirmation(confirmation: CheckoutConfirmation): Promise<boolean>;
}
