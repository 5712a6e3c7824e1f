import "server-only";

import { env } from "~/env.js";
import type { Db, Prisma, Tx } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { logger } from "~/server/logger";
import { findPack } from "~/server/payments/packs";
import { defaultPaymentProvider, paymentProviderFor } from "~/server/payments";
import { savePaymentMethod } from "~/server/payments/payment-methods";
import type { CardInput, CheckoutConfirmation, PaymentDetails, PaymentProvider } from "~/server/payments/provider";
import { money } from "~/server/money";
import type { Acting } from "~/server/workspaces/active-workspace";

export const checkoutSelect = {
  id: true,
  packId: true,
  credits: true,
  priceCents: true,
  currency: true,
  status: true,
  source: true,
  provider: true,
  receiptNumber: true,
  createdAt: true,
  completedAt: true,
} satisfies Prisma.CheckoutSelect;

const noPaymentDetails: PaymentDetails = { cardBrand: null, cardLast4: null, providerReference: null };

/**
 * Opens a checkout for one pack; the pack's credits, price and currency are
 * frozen on it. With a hosted provider (Stripe) it also creates the hosted
 * payment page and returns its `redirectUrl`; the session id is kept on the
 * checkout so the webhook can be matched to it.
 */
export async function openCheckout(
  client: Db,
  acting: Acting,
  packId: string,
  options: { providerId?: string; paymentMethodId?: string } = {},
) {
  const { workspaceId, actorUserId } = acting;
  const pack = findPack(packId);
  if (!pack) throw new AppError("VALIDATION_ERROR", "Unknown pack.", { fieldErrors: { packId: ["Pick a pack."] } });
  const provider = options.providerId ? paymentProviderFor(options.providerId) : defaultPaymentProvider();
  const checkout = await client.checkout.create({
    data: {
      workspaceId, packId, credits: pack.credits, priceCents: pack.priceCents, currency: pack.currency.toLowerCase(),
      provider: provider.id, source: "USER", paymentMethodId: options.paymentMethodId ?? null, buyerUserId: actorUserId,
    },
    select: checkoutSelect,
  });
  if (!provider.startHostedCheckout) return { ...checkout, redirectUrl: null };
  const hosted = await provider
    .startHostedCheckout(
      { ...checkout, workspaceId, packName: pack.name },
      { successUrl: `${env.APP_URL}/buy/checkout/${checkout.id}?paid=1`, cancelUrl: `${env.APP_URL}/buy?cancelled=1` },
    )
    .catch((error: unknown) => {
      // Nothing was paid; the checkout stays OPEN and unused. The user tries again.
      logger.warn({ err: error, checkoutId: checkout.id, provider: provider.id }, "hosted checkout could not be created");
      throw new AppError("CONFLICT_RETRY", "The payment provider did not answer. Try again.");
    });
  await client.checkout.update({ where: { id: checkout.id }, data: { providerSessionId: hosted.sessionId } });
  return { ...checkout, redirectUrl: hosted.url };
}

/** One of the user's own checkouts; another user's is NOT_FOUND. */
export async function getCheckoutForUser(client: Db, workspaceId: string, checkoutId: string) {
  const checkout = await client.checkout.findFirst({ where: { id: checkoutId, workspaceId }, select: checkoutSelect });
  if (!checkout) throw new AppError("NOT_FOUND", "No such checkout.");
  return checkout;
}

/**
 * Pays an open checkout with a card through its provider and, when paid,
 * completes it (and saves the card when asked). A declined card changes
 * nothing; a hosted (Stripe) checkout is paid on the provider's page.
 *
 * Idempotent by checkout, like every other money call: paying a checkout
 * that is already paid (the first answer was lost, a double submit, a
 * second tab) charges nothing and answers what the first pay answered, the
 * receipt, with `replayed: true` (`replayPaidCheckout`).
 */
export async function payCheckout(
  client: Db,
  workspaceId: string,
  checkoutId: string,
  card: CardInput,
  options: { saveCard?: boolean } = {},
) {
  const checkout = await getCheckoutForUser(client, workspaceId, checkoutId);
  const provider = paymentProviderFor(checkout.provider);
  if (!provider.pay) {
    throw new AppError("VALIDATION_ERROR", "This checkout is paid on the provider's page.", { fieldErrors: { _: ["Pay on the provider's page."] } });
  }
  if (checkout.status === "COMPLETED") return replayPaidCheckout(client, workspaceId, checkout.id, provider, card, options);
  if (checkout.status !== "OPEN") {
    throw new AppError("VALIDATION_ERROR", "This checkout was declined.", { fieldErrors: { _: ["Declined: open a new checkout."] } });
  }
  const attempt = await provider.pay({ ...checkout, workspaceId }, card);
  if (attempt.status === "declined") {
    logger.info({ checkoutId, workspaceId, declineCode: attempt.declineCode }, "card declined");
    return { status: "declined" as const, message: attempt.message, declineCode: attempt.declineCode };
  }
  const completed = await confirmCheckout(client, attempt.confirmation, { ownerId: workspaceId, payment: attempt.payment });
  const savedPaymentMethodId = options.saveCard ? await saveCardOfCheckout(client, workspaceId, checkout.id, card) : null;
  return { status: "paid" as const, confirmation: attempt.confirmation, savedPaymentMethodId, ...completed };
}

/**
 * The answer of a pay whose checkout is already paid: the same as the first
 * pay's (the receipt: its credits, the balance after its PURCHASE entry,
 * that entry and the provider's confirmation), with `replayed: true`,
 * through the same idempotent completion (the ledger's unique
 * `checkout:<id>` key grants nothing twice). A card the first pay was asked
 * to save and did not (its answer lost before) is saved now, once.
 */
async function replayPaidCheckout(
  client: Db,
  workspaceId: string,
  checkoutId: string,
  provider: PaymentProvider,
  card: CardInput,
  options: { saveCard?: boolean },
) {
  const completed = await completePaidCheckout(client, checkoutId, noPaymentDetails);
  assert(completed.replayed, "a completed checkout's PURCHASE entry exists");
  const paid = await client.checkout.findUniqueOrThrow({ where: { id: checkoutId }, select: { paymentMethodId: true } });
  const savedPaymentMethodId = paid.paymentMethodId ?? (options.saveCard ? await saveCardOfCheckout(client, workspaceId, checkoutId, card) : null);
  const confirmation = provider.paidConfirmation?.(checkoutId);
  assert(confirmation, "a provider that takes card payments can restate its confirmation");
  return { status: "paid" as const, confirmation, savedPaymentMethodId, ...completed };
}

/** Saves the card a checkout was paid with and records it on the checkout (once: a repeated pay answers the same card). */
async function saveCardOfCheckout(client: Db, workspaceId: string, checkoutId: string, card: CardInput): Promise<string> {
  const saved = await savePaymentMethod(client, workspaceId, card);
  const linked = await client.checkout.updateMany({ where: { id: checkoutId, paymentMethodId: null }, data: { paymentMethodId: saved.id } });
  if (linked.count === 1) return saved.id;
  // A concurrent pay of this checkout saved it first: keep that one, drop ours.
  await client.paymentMethod.delete({ where: { id: saved.id } });
  const kept = await client.checkout.findUniqueOrThrow({ where: { id: checkoutId }, select: { paymentMethodId: true } });
  assert(kept.paymentMethodId, "the checkout records the card saved with it");
  return kept.paymentMethodId;
}

/**
 * Applies a provider's confirmation that a checkout was paid (verified by
 * that provider), then completes it through `completePaidCheckout`. With
 * `ownerId` (a signed-in caller) another user's checkout is NOT_FOUND; a
 * webhook passes none.
 */
export async function confirmCheckout(
  client: Db,
  confirmation: CheckoutConfirmation,
  options: { ownerId?: string; payment?: PaymentDetails } = {},
) {
  const checkout = await client.checkout.findUnique({ where: { id: confirmation.checkoutId }, select: { id: true, workspaceId: true, provider: true } });
  const visible = checkout && (options.ownerId === undefined || checkout.workspaceId === options.ownerId);
  if (!visible || checkout.provider !== confirmation.provider) throw new AppError("NOT_FOUND", "No such checkout.");
  const provider = paymentProviderFor(checkout.provider);
  if (!(await provider.verifyConfirmation(confirmation))) {
    throw new AppError("FORBIDDEN", "This confirmation is not valid.");
  }
  return completePaidCheckout(client, checkout.id, options.payment ?? noPaymentDetails);
}

/**
 * Grants a paid checkout's credits as one PURCHASE ledger entry and marks it
 * COMPLETED with its receipt number (and an auto top-up's row SUCCEEDED), in
 * one transaction. Idempotent by checkout id — the ledger's unique (user,
 * `checkout:<id>`) key is the guard — so a confirmation delivered twice
 * (browser return and webhook, retried or concurrent webhooks, a task run
 * twice) is a replay that grants nothing. Callers have verified the payment.
 */
export async function completePaidCheckout(client: Db, checkoutId: string, payment: PaymentDetails) {
  const checkout = await client.checkout.findUniqueOrThrow({ where: { id: checkoutId }, select: { ...checkoutSelect, workspaceId: true, buyerUserId: true } });
  if (checkout.status === "DECLINED") throw new AppError("VALIDATION_ERROR", "This checkout was declined.", { fieldErrors: { _: ["Declined."] } });
  const { entry, replayed } = await money.moveCredits(
    client,
    {
      workspaceId: checkout.workspaceId,
      amount: checkout.credits,
      kind: "PURCHASE",
      // The buyer; a team's checkout from before buyers were recorded names its workspace, as it did then.
      actor: checkout.source === "AUTO_TOPUP" ? { type: "SYSTEM", id: "auto-topup" } : { type: "USER", id: checkout.buyerUserId ?? checkout.workspaceId },
      reason: purchaseReason(checkout),
      idempotencyKey: `checkout:${checkout.id}`,
    },
    (tx) => markCompleted(tx, checkout.id, payment),
  );
  logger.info({ checkoutId: checkout.id, workspaceId: checkout.workspaceId, credits: checkout.credits, replayed }, "checkout confirmed");
  return { replayed, credits: checkout.credits, balanceAfter: entry.balanceAfter, ledgerEntryId: entry.id.toString(), checkoutId: checkout.id };
}

function purchaseReason(checkout: { packId: string; credits: number; source: string }): string {
  const pack = findPack(checkout.packId)?.name ?? checkout.packId;
  return checkout.source === "AUTO_TOPUP"
    ? `Auto top-up: the ${pack} pack (${checkout.credits} credits)`
    : `Bought the ${pack} pack (${checkout.credits} credits)`;
}

/**
 * Same transaction as the PURCHASE: a checkout is COMPLETED, with a receipt
 * number, if and only if its PURCHASE entry exists (and the database checks
 * COMPLETED ⇔ receipt number).
 */
async function markCompleted(tx: Tx, checkoutId: string, payment: PaymentDetails): Promise<void> {
  const changed = await tx.$executeRaw`
    UPDATE checkout SET status = 'COMPLETED', completed_at = now(),
      receipt_number = nextval('checkout_receipt_number_seq'),
      card_brand = COALESCE(${payment.cardBrand}, card_brand),
      card_last4 = COALESCE(${payment.cardLast4}, card_last4),
      provider_reference = COALESCE(${payment.providerReference}, provider_reference)
    WHERE id = ${checkoutId}::uuid AND status = 'OPEN'`;
  assert(changed === 1, "an open checkout is completed exactly once");
  await tx.$executeRaw`
    UPDATE topup SET status = 'SUCCEEDED', finished_at = now()
    WHERE checkout_id = ${checkoutId}::uuid AND status IN ('PENDING', 'PROCESSING')`;
}
