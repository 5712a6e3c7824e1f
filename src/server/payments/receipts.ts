import "server-only";

import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { findPack } from "~/server/payments/packs";
import { ownerOf, ownerSelect } from "~/server/workspaces/owner";

/** `CW-2026-000123`: the year it was paid and the receipt sequence, six digits at least. */
export function formatReceiptNumber(receiptNumber: number, completedAt: Date): string {
  return `CW-${completedAt.getUTCFullYear()}-${String(receiptNumber).padStart(6, "0")}`;
}

/**
 * The receipt of one of the user's paid checkouts. Another user's
 * checkout, an unpaid one or no checkout at all is the same NOT_FOUND, so
 * ids cannot be probed.
 */
export async function getReceipt(client: Db, workspaceId: string, checkoutId: string) {
  const checkout = await client.checkout.findFirst({
    where: { id: checkoutId, workspaceId, status: "COMPLETED" },
    select: {
      id: true, packId: true, credits: true, priceCents: true, currency: true, source: true, provider: true,
      receiptNumber: true, cardBrand: true, cardLast4: true, providerReference: true, completedAt: true,
      workspace: { select: { kind: true, name: true, ...ownerSelect({ name: true, email: true }) } },
      buyer: { select: { name: true, email: true } },
    },
  });
  if (!checkout || checkout.receiptNumber === null || checkout.completedAt === null) throw new AppError("NOT_FOUND", "No such receipt.");
  return {
    checkoutId: checkout.id,
    number: formatReceiptNumber(checkout.receiptNumber, checkout.completedAt),
    paidAt: checkout.completedAt,
    packName: findPack(checkout.packId)?.name ?? checkout.packId,
    credits: checkout.credits,
    amountCents: checkout.priceCents,
    currency: checkout.currency,
    automatic: checkout.source === "AUTO_TOPUP",
    provider: checkout.provider,
    cardBrand: checkout.cardBrand,
    cardLast4: checkout.cardLast4,
    providerReference: checkout.providerReference,
    // A team's receipt is billed to the team and names the member who bought
    // (none for an auto top-up); a personal one, to its owner.
    billedTo: checkout.workspace.kind === "TEAM" ? { name: checkout.workspace.name, email: null } : ownerOf(checkout.workspace),
    boughtBy: checkout.workspace.kind === "TEAM" ? checkout.buyer : null,
  };
}
