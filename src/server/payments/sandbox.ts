import { createHmac, timingSafeEqual } from "node:crypto";

import { requireAuthSecret } from "~/env.js";
import { AppError } from "~/server/errors";
import type { CardInput, CheckoutConfirmation, CheckoutToPay, PaymentAttempt, PaymentProvider } from "~/server/payments/provider";

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

/** Digits only: people type card numbers with spaces. */
export function normalizeCardNumber(value: string): string {
  return value.replace(/[\s-]/g, "");
}

function signingKey(): Buffer {
  // Derived from the app secret so the sandbox needs no configuration of its
  // own, and a confirmation cannot be forged by a client that lacks it.
  return createHmac("sha256", requireAuthSecret("the sandbox payment provider")).update("creditworks:sandbox-payments:v1").digest();
}

function sign(checkoutId: string): string {
  return createHmac("sha256", signingKey()).update(`paid:${checkoutId}`).digest("base64url");
}

function expiryIsInFuture(expiry: string, now: Date): boolean {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  if (!match) return false;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return false;
  // A card is valid through the last day of its expiry month.
  return new Date(Date.UTC(year, month, 1)) > now;
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
export const sandboxProvider: PaymentProvider = {
  id: "sandbox",
  async pay(checkout: CheckoutToPay, card: CardInput): Promise<PaymentAttempt> {
    validateCard(card);
    await new Promise((resolve) => setTimeout(resolve, sandboxLatencyMs));
    const decline = declines[normalizeCardNumber(card.cardNumber)];
    if (decline) return { status: "declined", ...decline };
    return { status: "paid", confirmation: { checkoutId: checkout.id, provider: "sandbox", token: sign(checkout.id) } };
  },
  async verifyConfirmation(confirmation: CheckoutConfirmation): Promise<boolean> {
    const expected = Buffer.from(sign(confirmation.checkoutId));
    const given = Buffer.from(confirmation.token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  },
};
