import type { Db, Prisma } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { moveCredits } from "~/server/ledger/grant";
import { logger } from "~/server/logger";
import { findPack } from "~/server/payments/packs";
import { defaultPaymentProvider, paymentProviderFor } from "~/server/payments";
import type { CardInput, CheckoutConfirmation } from "~/server/payments/provider";

export const checkoutSelect = {
  id: true,
  packId: true,
  credits: true,
  priceCents: true,
  status: true,
  provider: true,
  createdAt: true,
  completedAt: true,
} satisfies Prisma.CheckoutSelect;

/** Opens a checkout for one pack; the pack's credits and price are frozen on it. */
export async function openCheckout(client: Db, userId: string, packId: string) {
  const pack = findPack(packId);
  if (!pack) throw new AppError("VALIDATION_ERROR", "Unknown pack.", { fieldErrors: { packId: ["Pick a pack."] } });
  return client.checkout.create({
    data: { userId, packId, credits: pack.credits, priceCents: pack.priceCents, provider: defaultPaymentProvider.id },
    select: checkoutSelect,
  });
}

/** One of the user's own checkouts; another user's is NOT_FOUND. */
export async function getCheckoutForUser(client: Db, userId: string, checkoutId: string) {
  const checkout = await client.checkout.findFirst({ where: { id: checkoutId, userId }, select: checkoutSelect });
  if (!checkout) throw new AppError("NOT_FOUND", "No such checkout.");
  return checkout;
}

/**
 * Pays an open checkout with a card through its provider and, when paid,
 * completes it. A declined card changes nothing. Paying a completed
 * checkout again is refused before any card is charged.
 */
export async function payCheckout(client: Db, userId: string, checkoutId: string, card: CardInput) {
  const checkout = await getCheckoutForUser(client, userId, checkoutId);
  if (checkout.status !== "OPEN") {
    throw new AppError("VALIDATION_ERROR", "This checkout is already paid.", { fieldErrors: { _: ["Already paid."] } });
  }
  const provider = paymentProviderFor(checkout.provider);
  const attempt = await provider.pay({ ...checkout, userId }, card);
  if (attempt.status === "declined") {
    logger.info({ checkoutId, userId, declineCode: attempt.declineCode }, "sandbox card declined");
    return { status: "declined" as const, message: attempt.message, declineCode: attempt.declineCode };
  }
  const completed = await confirmCheckout(client, attempt.confirmation, { ownerId: userId });
  return { status: "paid" as const, confirmation: attempt.confirmation, ...completed };
}

/**
 * Applies a provider's confirmation that a checkout was paid: grants its
 * credits as one PURCHASE ledger entry and marks it COMPLETED, in one
 * transaction. Idempotent by checkout id — the ledger's unique (user,
 * `checkout:<id>`) key is the guard — so a confirmation delivered twice
 * (browser return and webhook, or a retried webhook) is a replay that
 * grants nothing. With `ownerId` (a signed-in caller) another user's
 * checkout is NOT_FOUND; a webhook passes none.
 */
export async function confirmCheckout(
  client: Db,
  confirmation: CheckoutConfirmation,
  options: { ownerId?: string } = {},
) {
  const checkout = await client.checkout.findUnique({
    where: { id: confirmation.checkoutId },
    select: { ...checkoutSelect, userId: true },
  });
  const visible = checkout && (options.ownerId === undefined || checkout.userId === options.ownerId);
  if (!visible || checkout.provider !== confirmation.provider) throw new AppError("NOT_FOUND", "No such checkout.");
  const provider = paymentProviderFor(checkout.provider);
  if (!(await provider.verifyConfirmation(confirmation))) {
    throw new AppError("FORBIDDEN", "This confirmation is not valid.");
  }
  const { entry, replayed } = await moveCredits(
    client,
    {
      userId: checkout.userId,
      amount: checkout.credits,
      kind: "PURCHASE",
      actor: { type: "USER", id: checkout.userId },
      reason: `Bought the ${findPack(checkout.packId)?.name ?? checkout.packId} pack (${checkout.credits} credits)`,
      idempotencyKey: `checkout:${checkout.id}`,
    },
    async (tx) => {
      // Same transaction as the grant: a checkout is COMPLETED if and only if
      // its PURCHASE entry exists.
      const changed = await tx.checkout.updateMany({
        where: { id: checkout.id, status: "OPEN" },
        data: { status: "COMPLETED", completedAt: new Date() },
      });
      assert(changed.count === 1, "an open checkout is completed exactly once");
    },
  );
  logger.info({ checkoutId: checkout.id, userId: checkout.userId, credits: checkout.credits, replayed }, "checkout confirmed");
  return { replayed, credits: checkout.credits, balanceAfter: entry.balanceAfter, ledgerEntryId: entry.id.toString() };
}
