import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

import { requireAuthSecret } from "~/env.js";
import { AppError } from "~/server/errors";
import { normalizeCardNumber, parseExpiry } from "~/shared/card-entry";
import type {
  CardInput, CheckoutConfirmation, CheckoutToPay, PaymentAttempt, PaymentProvider, SavedCard,
} from "~/server/payments/provider";

/**
 * The sandbox's documented test cards (like a payment provider's test mode).
 * Any expiry in the future and any 3-digit CVC work with them.
 */
export const sandboxTestCards = {
  success: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
} as const;

const declines: Record<string, { declineCode: string; message: string }> = {
  [sandboxTestCards.declined]: { declineCode: "card_declined", message: "Your card was declined." },
  [sandboxTestCards.insufficientFunds]: {
    declineCode: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
};

const sandboxLatencyMs = 300;

function signingKey(): Buffer {
  // Derived from the app secret so the sandbox needs no configuration of its
  // own, and a confirmation cannot be forged by a client that lacks it.
  return createHmac("sha256", requireAuthSecret("the sandbox payment provider")).update("creditworks:sandbox-payments:v1").digest();
}

function sign(checkoutId: string): string {
  return createHmac("sha256", signingKey()).update(`paid:${checkoutId}`).digest("base64url");
}

function expiryIsInFuture(expiry: string, now: Date): boolean {
  const parsed = parseExpiry(expiry);
  // A card is valid through the last day of its expiry month.
  return parsed !== null && new Date(Date.UTC(parsed.year, parsed.month, 1)) > now;
}

/** The brand a card number's first digits name (enough for the sandbox's cards). */
function cardBrand(number: string): string {
  if (number.startsWith("4")) return "Visa";
  if (/^5[1-5]/.test(number)) return "Mastercard";
  if (/^3[47]/.test(number)) return "American Express";
  return "Card";
}

/**
 * A saved sandbox card's token names how the test card behaves (the way a
 * real provider's token stands for a card it keeps), never its number:
 * `tok_sandbox_<outcome>_<random>`.
 */
type SavedOutcome = "ok" | "card_declined" | "insufficient_funds";

function outcomeOfToken(token: string): SavedOutcome | null {
  const match = /^tok_sandbox_(ok|card_declined|insufficient_funds)_[0-9a-f]{16}$/.exec(token);
  return match ? (match[1] as SavedOutcome) : null;
}

const declinesByCode: Record<string, { declineCode: string; message: string }> = Object.fromEntries(
  Object.values(declines).map((decline) => [decline.declineCode, decline]),
);

function confirmationOf(checkoutId: string): CheckoutConfirmation {
  return { checkoutId, provider: "sandbox", token: sign(checkoutId) };
}

function paidAttempt(checkout: CheckoutToPay, payment: { cardBrand: string; cardLast4: string; providerReference: string }): PaymentAttempt {
  return { status: "paid", confirmation: confirmationOf(checkout.id), payment };
}

function validateCard(card: CardInput): void {
  const fieldErrors: Record<string, string[]> = {};
  const number = normalizeCardNumber(card.cardNumber);
  if (!/^\d{12,19}$/.test(number)) fieldErrors.cardNumber = ["Enter a card number."];
  else if (number !== sandboxTestCards.success && !declines[number]) {
    fieldErrors.cardNumber = ["Sandbox mode: use a test card, e.g. 4242 4242 4242 4242."];
  }
  if (!expiryIsInFuture(card.expiry, new Date())) fieldErrors.expiry = ["Enter a future date as MM/YY."];
  if (!/^\d{3,4}$/.test(card.cvc.trim())) fieldErrors.cvc = ["Enter the 3 or 4 digits on the back."];
  if (Object.keys(fieldErrors).length > 0) {
    throw new AppError("VALIDATION_ERROR", "Check the card details.", { fieldErrors });
  }
}

/**
 * The offline payment provider. It never moves real money: the success
 * test card pays, the decline test cards are refused, anything else is a
 * validation error. A paid checkout gets an HMAC-signed confirmation that
 * only this server can produce and verify.
 */
export const sandboxProvider = {
  id: "sandbox",
  async pay(checkout: CheckoutToPay, card: CardInput): Promise<PaymentAttempt> {
    validateCard(card);
    await new Promise((resolve) => setTimeout(resolve, sandboxLatencyMs));
    const number = normalizeCardNumber(card.cardNumber);
    const decline = declines[number];
    if (decline) return { status: "declined", ...decline };
    return paidAttempt(checkout, {
      cardBrand: cardBrand(number),
      cardLast4: number.slice(-4),
      providerReference: `pay_sandbox_${sign(checkout.id).slice(0, 16)}`,
    });
  },
  async saveCard(card: CardInput): Promise<SavedCard> {
    validateCard(card);
    const number = normalizeCardNumber(card.cardNumber);
    const outcome: SavedOutcome = (declines[number]?.declineCode as SavedOutcome | undefined) ?? "ok";
    const expiry = parseExpiry(card.expiry)!;
    return {
      brand: cardBrand(number),
      last4: number.slice(-4),
      expMonth: expiry.month,
      expYear: expiry.year,
      token: `tok_sandbox_${outcome}_${randomBytes(8).toString("hex")}`,
    };
  },
  async chargeSavedCard(checkout: CheckoutToPay, card: Pick<SavedCard, "token" | "brand" | "last4">): Promise<PaymentAttempt> {
    const outcome = outcomeOfToken(card.token);
    if (outcome === null) return { status: "declined", declineCode: "invalid_token", message: "This saved card is not valid." };
    if (outcome !== "ok") return { status: "declined", ...declinesByCode[outcome]! };
    return paidAttempt(checkout, { cardBrand: card.brand, cardLast4: card.last4, providerReference: card.token });
  },
  paidConfirmation(checkoutId: string): CheckoutConfirmation {
    return confirmationOf(checkoutId);
  },
  async verifyConfirmation(confirmation: CheckoutConfirmation): Promise<boolean> {
    const expected = Buffer.from(sign(confirmation.checkoutId));
    const given = Buffer.from(confirmation.token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  },
} satisfies PaymentProvider;
