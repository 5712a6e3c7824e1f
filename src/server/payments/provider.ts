/** The card details an embedded payment form collects (never stored). */
export type CardInput = {
  cardNumber: string;
  expiry: string;
  cvc: string;
  name?: string;
};

/** What a payment provider needs to know about a checkout to take the money. */
export type CheckoutToPay = { id: string; workspaceId: string; credits: number; priceCents: number; currency: string };

/** What a receipt shows about how a checkout was paid (never the card number). */
export type PaymentDetails = {
  cardBrand: string | null;
  cardLast4: string | null;
  /** The provider's reference of the payment: a sandbox token, a Stripe payment intent. */
  providerReference: string | null;
};

/**
 * The outcome of one payment attempt. `paid` carries the confirmation the
 * provider will deliver (through the browser's return and/or a webhook);
 * `declined` changes nothing and the user may try another card.
 */
export type PaymentAttempt =
  | { status: "paid"; confirmation: CheckoutConfirmation; payment: PaymentDetails }
  | { status: "declined"; declineCode: string; message: string };

/** A provider's proof that a checkout was paid, verifiable by the provider. */
export type CheckoutConfirmation = { checkoutId: string; provider: string; token: string };

/** A card kept by the provider for later payments: what we may store of it. */
export type SavedCard = { brand: string; last4: string; expMonth: number; expYear: number; token: string };

/** A hosted payment page (Stripe Checkout) the browser is sent to. */
export type HostedCheckout = { sessionId: string; url: string };

/**
 * A payment provider. The sandbox implements it offline (like a provider's
 * test mode); Stripe plugs in behind the same interface with a hosted page
 * instead of a card form. Granting the credits is never the provider's job:
 * `confirmCheckout` / `completePaidCheckout` do it once per checkout.
 */
export interface PaymentProvider {
  readonly id: string;
  /** Takes a payment with card details typed into our form (sandbox). */
  pay?(checkout: CheckoutToPay, card: CardInput): Promise<PaymentAttempt>;
  /** Keeps a card for later payments and returns what may be stored of it. */
  saveCard?(card: CardInput): Promise<SavedCard>;
  /** Pays a checkout with a saved card, off-session (auto top-up). */
  chargeSavedCard?(checkout: CheckoutToPay, card: Pick<SavedCard, "token" | "brand" | "last4">): Promise<PaymentAttempt>;
  /** Starts a hosted payment page; the credits come from the provider's signed webhook. */
  startHostedCheckout?(
    checkout: CheckoutToPay & { packName: string },
    urls: { successUrl: string; cancelUrl: string },
  ): Promise<HostedCheckout>;
  /**
   * The confirmation `pay` answered for a checkout this provider was paid
   * for, restated for a repeated pay (its first answer was lost).
   */
  paidConfirmation?(checkoutId: string): CheckoutConfirmation;
  /** Whether a confirmation (browser return, webhook body) really comes from this provider. */
  verifyConfirmation(confirmation: CheckoutConfirmation): Promise<boolean>;
}
