import "server-only";

import type { Db } from "~/server/db";
import { logger } from "~/server/logger";
import { money, type VoidGrantResult } from "~/server/money";
import { personalOwnerIdOf } from "~/server/workspaces/active-workspace";
import type { AuditAction } from "~/shared/schemas/admin";

export type VoidGrantInput = { adminId: string; grantId: bigint; reason: string };

/**
 * An admin voids a grant (SPEC §7) through the ledger's `voidGrant`, audited
 * in the same transaction. Voiding a voided grant changes nothing (a
 * double-submitted form); an expired one is a VALIDATION_ERROR.
 */
export async function voidGrant(client: Db, input: VoidGrantInput): Promise<VoidGrantResult> {
  const result = await money.voidGrant(client, input, async (tx, voided) => {
    await tx.adminAudit.create({
      data: {
        adminId: input.adminId,
        action: "credits.void-grant" satisfies AuditAction,
        targetUserId: personalOwnerIdOf(voided.workspaceId),
        reason: input.reason,
        before: { grantId: input.grantId.toString(), remaining: voided.voided },
        after: { grantId: input.grantId.toString(), remaining: 0, voided: true },
      },
    });
  });
  logger.info({ grantId: input.grantId.toString(), adminId: input.adminId, ...result }, "grant voided by an admin");
  return result;
}
