import "server-only";

import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { money, type GrantTerms } from "~/server/money";
import { personalWorkspaceIdOf } from "~/server/workspaces/active-workspace";
import type { AuditAction } from "~/shared/schemas/admin";

export type AdjustCreditsInput = {
  adminId: string;
  userId: string;
  amount: number;
  /** On the ledger entry: the user reads it on their statement. */
  reason: string;
  /** For admins only: kept in the audit trail (`after.internalNote`), never in the ledger. */
  note?: string;
  idempotencyKey: string;
  /** For a grant: category, priority, effective and expiry dates (defaults otherwise). */
  grant?: GrantTerms;
};

/**
 * An admin grants (amount > 0, GRANT) or deducts (amount < 0, ADJUSTMENT)
 * credits with a reason the user will read, and optionally an internal note
 * that only admins see (audit trail). Applied once per (user, key) — a double-submitted
 * form replays — and audited in the same transaction. A deduction larger
 * than the balance is refused with INSUFFICIENT_CREDITS.
 */
export async function adjustCredits(client: Db, input: AdjustCreditsInput) {
  const result = await money.moveOrScheduleCredits(
    client,
    {
      workspaceId: personalWorkspaceIdOf(input.userId),
      amount: input.amount,
      kind: input.amount > 0 ? "GRANT" : "ADJUSTMENT",
      actor: { type: "ADMIN", id: input.adminId },
      reason: input.reason,
      idempotencyKey: `admin:${input.idempotencyKey}`,
      ...(input.amount > 0 && input.grant ? { grant: input.grant } : {}),
    },
    async (tx, { entry, grantId }) => {
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
          action: (input.amount > 0 ? "credits.grant" : "credits.deduct") satisfies AuditAction,
          targetUserId: input.userId,
          reason: input.reason,
          before: entry ? { balance: entry.balanceBefore } : {},
          after: {
            ...(entry ? { balance: entry.balanceAfter } : { scheduled: true }),
            ...(grantId !== null ? { grantId: grantId.toString(), ...grantTermsForAudit(input.grant) } : {}),
            ...(input.note ? { internalNote: input.note } : {}),
          },
          idempotencyKey: input.idempotencyKey,
        },
      });
    },
  );
  logger.info(
    { userId: input.userId, adminId: input.adminId, amount: input.amount, replayed: result.replayed, entryId: result.entry?.id.toString() ?? null, grantId: result.grantId?.toString() ?? null },
    "credits adjusted by an admin",
  );
  return result;
}

function grantTermsForAudit(terms: GrantTerms | undefined) {
  return {
    ...(terms?.category ? { category: terms.category } : {}),
    ...(terms?.priority !== undefined ? { priority: terms.priority } : {}),
    ...(terms?.effectiveAt ? { effectiveAt: terms.effectiveAt.toISOString() } : {}),
    ...(terms?.expiresAt ? { expiresAt: terms.expiresAt.toISOString() } : {}),
  };
}
