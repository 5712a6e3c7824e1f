import "server-only";

import { randomUUID } from "node:crypto";

import { withTransaction, type Db, type Prisma } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { completePaidCheckout } from "~/server/payments/checkout";
import { paymentProviderFor } from "~/server/payments";
import { findPack } from "~/server/payments/packs";
import { paymentMethodSelect } from "~/server/payments/payment-methods";

export type AutoTopupInput = {
  enabled: boolean;
  thresholdCredits: number;
  packId: string;
  paymentMethodId: string | null;
};

const topupSelect = {
  id: true, status: true, packId: true, checkoutId: true, error: true, createdAt: true, finishedAt: true,
} satisfies Prisma.TopupSelect;

/** How many recent top-ups the billing page lists. */
const recentTopupsMax = 10;

/** The user's auto top-up setting (null: never set up), saved cards and recent top-ups. */
export async function getAutoTopup(client: Db, workspaceId: string) {
  const [setting, methods, topups] = await Promise.all([
    client.autoTopup.findUnique({
      where: { workspaceId },
      select: { enabled: true, thresholdCredits: true, packId: true, paymentMethodId: true, disabledReason: true, updatedAt: true },
    }),
    client.paymentMethod.findMany({ where: { workspaceId, removedAt: null }, select: paymentMethodSelect, orderBy: { createdAt: "desc" } }),
    client.topup.findMany({ where: { workspaceId }, select: topupSelect, orderBy: { createdAt: "desc" }, take: recentTopupsMax }),
  ]);
  return { setting, paymentMethods: methods, topups };
}

/**
 * Saves the auto top-up setting. Turned on it needs a known pack, a
 * threshold of at least 1 credit and below the pack's credits (a top-up
 * must lift the balance back above it), and one of the user's saved cards;
 * anything else is a VALIDATION_ERROR with field messages and nothing is
 * written. Saving clears a `disabledReason` (the user has seen to it).
 */
export async function updateAutoTopup(client: Db, workspaceId: string, input: AutoTopupInput) {
  const fieldErrors: Record<string, string[]> = {};
  const pack = findPack(input.packId);
  if (!pack) fieldErrors.packId = ["Pick a pack."];
  if (!Number.isSafeInteger(input.thresholdCredits) || input.thresholdCredits < 1) {
    fieldErrors.thresholdCredits = ["Enter a whole number of credits, at least 1."];
  } else if (pack && input.thresholdCredits >= pack.credits) {
    fieldErrors.thresholdCredits = [`The threshold must be below the pack's ${pack.credits} credits.`];
  }
  const method = input.paymentMethodId
    ? await client.paymentMethod.findFirst({ where: { id: input.paymentMethodId, workspaceId, removedAt: null }, select: { id: true } })
    : null;
  if (input.paymentMethodId && !method) fieldErrors.paymentMethodId = ["Pick one of your saved cards."];
  else if (input.enabled && !method) fieldErrors.paymentMethodId = ["Save a card first: auto top-up pays with it."];
  if (Object.keys(fieldErrors).length > 0) {
    throw new AppError("VALIDATION_ERROR", "Check the auto top-up settings.", { fieldErrors });
  }
  const data = {
    enabled: input.enabled,
    thresholdCredits: input.thresholdCredits,
    packId: input.packId,
    paymentMethodId: method?.id ?? null,
    disabledReason: null,
    updatedAt: new Date(),
  };
  await client.autoTopup.upsert({ where: { workspaceId }, create: { workspaceId, ...data }, update: data });
  return getAutoTopup(client, workspaceId);
}

export type TopupOutcome = "SUCCEEDED" | "DECLINED" | "FAILED" | "MISSING";

/**
 * Runs one auto top-up (the `auto-topup` task; the ledger's trigger created
 * the row and enqueued it in the debit's transaction). Crash-safe and
 * idempotent: the checkout is attached to the row once (under its lock),
 * paying is keyed by that checkout, and the PURCHASE by `checkout:<id>` —
 * so a second run after a crash anywhere grants nothing twice. A declined
 * card turns auto top-up off with a reason the app shows.
 */
export async function runAutoTopup(client: Db, topupId: string): Promise<TopupOutcome> {
  const topup = await client.topup.findUnique({
    where: { id: topupId },
    select: {
      id: true, workspaceId: true, status: true, checkoutId: true, paymentMethodId: true,
      paymentMethod: { select: { provider: true, token: true, brand: true, last4: true, removedAt: true } },
    },
  });
  if (!topup) return "MISSING";
  if (topup.status === "SUCCEEDED" || topup.status === "DECLINED" || topup.status === "FAILED") return topup.status;
  const checkoutId = await attachCheckout(client, topupId);
  const checkout = await client.checkout.findUniqueOrThrow({
    where: { id: checkoutId },
    select: { id: true, workspaceId: true, credits: true, priceCents: true, currency: true, status: true },
  });
  if (checkout.status !== "COMPLETED") {
    const method = topup.paymentMethod;
    const provider = paymentProviderFor(method.provider);
    const attempt = method.removedAt
      ? { status: "declined" as const, declineCode: "card_removed", message: "The saved card was removed." }
      : provider.chargeSavedCard
        ? await provider.chargeSavedCard(checkout, method)
        : { status: "declined" as const, declineCode: "not_chargeable", message: "This card cannot be charged automatically." };
    if (attempt.status === "declined") {
      await declineTopup(client, topup, checkoutId, `${method.brand} ending in ${method.last4}: ${attempt.message}`);
      logger.info({ topupId, workspaceId: topup.workspaceId, declineCode: attempt.declineCode }, "auto top-up declined; turned off");
      return "DECLINED";
    }
    await completePaidCheckout(client, checkoutId, attempt.payment);
  }
  // The completion marked the row SUCCEEDED in its own transaction; this
  // covers a run that found the checkout already completed.
  await client.topup.updateMany({
    where: { id: topupId, status: { in: ["PENDING", "PROCESSING"] } },
    data: { status: "SUCCEEDED", finishedAt: new Date() },
  });
  logger.info({ topupId, workspaceId: topup.workspaceId, checkoutId }, "auto top-up succeeded");
  return "SUCCEEDED";
}

/** The checkout of a top-up, created once: the row's lock and its `checkout_id` are the guard. */
async function attachCheckout(client: Db, topupId: string): Promise<string> {
  return withTransaction(client, { label: "autoTopup.attachCheckout" }, async (tx) => {
    const [row] = await tx.$queryRaw<{ checkout_id: string | null; workspace_id: string; pack_id: string; payment_method_id: string }[]>`
      SELECT checkout_id::text, workspace_id, pack_id, payment_method_id::text FROM topup WHERE id = ${topupId}::uuid FOR UPDATE`;
    if (!row) throw new Error(`top-up ${topupId} vanished`);
    if (row.checkout_id) return row.checkout_id;
    const pack = findPack(row.pack_id);
    if (!pack) throw new Error(`top-up ${topupId} names an unknown pack ${row.pack_id}`);
    const checkoutId = randomUUID();
    await tx.checkout.create({
      data: {
        id: checkoutId, workspaceId: row.workspace_id, packId: pack.id, credits: pack.credits, priceCents: pack.priceCents,
        currency: pack.currency.toLowerCase(), provider: "sandbox", source: "AUTO_TOPUP", paymentMethodId: row.payment_method_id,
      },
    });
    await tx.topup.update({ where: { id: topupId }, data: { checkoutId, status: "PROCESSING" } });
    return checkoutId;
  });
}

/** A declined top-up: the row DECLINED, its checkout DECLINED, auto top-up off with the reason. */
async function declineTopup(
  client: Db,
  topup: { id: string; workspaceId: string; paymentMethodId: string },
  checkoutId: string,
  reason: string,
): Promise<void> {
  await withTransaction(client, { label: "autoTopup.decline" }, async (tx) => {
    await tx.topup.updateMany({
      where: { id: topup.id, status: { in: ["PENDING", "PROCESSING"] } },
      data: { status: "DECLINED", error: reason, finishedAt: new Date() },
    });
    await tx.checkout.updateMany({ where: { id: checkoutId, status: "OPEN" }, data: { status: "DECLINED" } });
    await tx.autoTopup.updateMany({
      where: { workspaceId: topup.workspaceId, paymentMethodId: topup.paymentMethodId, enabled: true },
      data: { enabled: false, disabledReason: reason, updatedAt: new Date() },
    });
  });
}

/**
 * A top-up whose task failed for good (its queue attempts spent): FAILED,
 * so that it no longer counts as in flight and the next crossing can start
 * one. Its checkout, if any, stays OPEN and was never paid.
 */
export async function failTopup(client: Db, topupId: string, error: string): Promise<void> {
  await client.topup.updateMany({
    where: { id: topupId, status: { in: ["PENDING", "PROCESSING"] } },
    data: { status: "FAILED", error: error.slice(0, 500), finishedAt: new Date() },
  });
}
