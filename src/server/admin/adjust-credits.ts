import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { moveCredits } from "~/server/ledger/grant";
import { logger } from "~/server/logger";

export type AdjustCreditsInput = {
  adminId: string;
  userId: string;
  amount: number;
  /** On the ledger entry: the user reads it on their statement. */
  reason: string;
  /** For admins only: kept in the audit trail (`after.internalNote`), never in the ledger. */
  note?: string;
  idempotencyKey: string;
};

/**
 * An admin grants (amount > 0, GRANT) or deducts (amount < 0, ADJUSTMENT)
 * credits with a reason the user will read, and optionally an internal note
 * that only admins see (audit trail). Applied once per (user, key) — a double-submitted
 * form replays — and audited in the same transaction. A deduction larger
 * than the balance is refused with INSUFFICIENT_CREDITS.
 */
export async function adjustCredits(client: Db, input: AdjustCreditsInput) {
  const result = await moveCredits(
    client,
    {
      userId: input.userId,
      amount: input.amount,
      kind: input.amount > 0 ? "GRANT" : "ADJUSTMENT",
      actor: { type: "ADMIN", id: input.adminId },
      reason: input.reason,
      idempotencyKey: `admin:${input.idempotencyKey}`,
    },
    async (tx, { entry }) => {
      // The key is the admin's intent: reused for another user it is a
      // client bug, refused like any reused key (and the movement rolls back).
      const reused = await tx.adminAudit.findUnique({
        where: { adminId_idempotencyKey: { adminId: input.adminId, idempotencyKey: input.idempotencyKey } },
        select: { id: true },
      });
      if (reused) throw new AppError("IDEMPOTENCY_KEY_REUSED");
      await tx.adminAudit.create({
        data: {
          adminId: input.adminId,
          action: input.amount > 0 ? "credits.grant" : "credits.deduct",
          targetUserId: input.userId,
          reason: input.reason,
          before: { balance: entry.balanceBefore },
          after: { balance: entry.balanceAfter, ...(input.note ? { internalNote: input.note } : {}) },
          idempotencyKey: input.idempotencyKey,
        },
      });
    },
  );
  logger.info(
    { userId: input.userId, adminId: input.adminId, amount: input.amount, replayed: result.replayed, entryId: result.entry.id.toString() },
    "credits adjusted by an admin",
  );
  return result;
}
