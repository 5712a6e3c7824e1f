import "server-only";

import type { Db, Prisma } from "~/server/db";
import { AppError } from "~/server/errors";
import { sandboxProvider } from "~/server/payments/sandbox";
import type { CardInput } from "~/server/payments/provider";

/** What the client may see of a saved card: never its token. */
export const paymentMethodSelect = {
  id: true,
  brand: true,
  last4: true,
  expMonth: true,
  expYear: true,
  createdAt: true,
} satisfies Prisma.PaymentMethodSelect;

/** A user keeps at most this many cards. */
const savedCardsMax = 10;

/**
 * Saves a card with the sandbox provider (the one that keeps cards): only
 * its brand, last four digits, expiry and the provider's token are stored,
 * never the number or the CVC. The card is validated like a payment.
 */
export async function savePaymentMethod(client: Db, workspaceId: string, card: CardInput) {
  const count = await client.paymentMethod.count({ where: { workspaceId, removedAt: null } });
  if (count >= savedCardsMax) {
    throw new AppError("VALIDATION_ERROR", "Too many saved cards.", { fieldErrors: { cardNumber: [`Remove a card first (at most ${savedCardsMax}).`] } });
  }
  const saved = await sandboxProvider.saveCard(card);
  return client.paymentMethod.create({
    data: { workspaceId, provider: sandboxProvider.id, ...saved },
    select: paymentMethodSelect,
  });
}

/**
 * Removes a saved card (the row stays for the receipts that name it). An
 * auto top-up that paid with it is turned off, so it never charges a card
 * the user removed.
 */
export async function removePaymentMethod(client: Db, workspaceId: string, paymentMethodId: string) {
  const removed = await client.paymentMethod.updateMany({
    where: { id: paymentMethodId, workspaceId, removedAt: null },
    data: { removedAt: new Date() },
  });
  if (removed.count === 0) throw new AppError("NOT_FOUND", "No such card.");
  await client.autoTopup.updateMany({
    where: { workspaceId, paymentMethodId, enabled: true },
    data: { enabled: false, disabledReason: "Your saved card was removed.", updatedAt: new Date() },
  });
  return { removed: true };
}
