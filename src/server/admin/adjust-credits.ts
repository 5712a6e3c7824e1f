import type { Db } from "~/server/db";
import { moveCredits } from "~/server/ledger/grant";

export type AdjustCreditsInput = {
  adminId: string;
  userId: string;
  amount: number;
  reason: string;
  idempotencyKey: string;
};

/**
 * An admin grants (amount > 0, GRANT) or deducts (amount < 0, ADJUSTMENT)
 * credits with a reason. Applied once per (user, key) — a double-submitted
 * form replays — and audited in the same transaction. A deduction larger
 * than the balance is refused with INSUFFICIENT_CREDITS.
 */
export async function adjustCredits(client: Db, input: AdjustCreditsInput) {
  return moveCredits(
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
      await tx.adminAudit.create({
        data: {
          adminId: input.adminId,
          action: input.amount > 0 ? "credits.grant" : "credits.deduct",
          targetUserId: input.userId,
          reason: input.reason,
          before: { balance: entry.balanceBefore },
          after: { balance: entry.balanceAfter },
          idempotencyKey: input.idempotencyKey,
        },
      });
    },
  );
}
