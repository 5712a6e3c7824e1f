import { withAccountTransaction, type Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";

export type VoidGrantInput = { adminId: string; grantId: bigint; reason: string };

type VoidOutcome = "VOIDED" | "ALREADY_VOIDED" | "EXPIRED" | "NOT_FOUND";

/**
 * An admin voids a grant (SPEC §7): what it still holds leaves the account
 * in one EXPIRE entry with the admin as actor and the reason, and the grant
 * is closed; credits it gave to a job still running come back to it only to
 * expire at once. Audited in the same SERIALIZABLE transaction, queued
 * behind the account's other writers. Voiding a voided grant changes
 * nothing (a double-submitted form); an expired one is a VALIDATION_ERROR.
 */
export async function voidGrant(client: Db, input: VoidGrantInput): Promise<{ userId: string; voided: number; replayed: boolean }> {
  if (input.reason.includes("\u0000")) {
    throw new AppError("VALIDATION_ERROR", "The reason contains a NUL character.", { fieldErrors: { reason: ["Remove the NUL character."] } });
  }
  const owner = await client.creditGrant.findUnique({ where: { id: input.grantId }, select: { userId: true } });
  if (!owner) throw new AppError("NOT_FOUND", "No such grant.");
  const result = await withAccountTransaction(client, { label: "admin.voidGrant", accountId: owner.userId }, async (tx) => {
    const [row] = await tx.$queryRaw<{ outcome: VoidOutcome; voided: number }[]>`
      SELECT outcome, voided FROM cw_void_grant(${input.grantId}::bigint, ${input.adminId}, ${input.reason})`;
    switch (row?.outcome) {
      case "NOT_FOUND":
      case undefined:
        throw new AppError("NOT_FOUND", "No such grant.");
      case "EXPIRED":
        throw new AppError("VALIDATION_ERROR", "This grant has already expired.", {
          fieldErrors: { grantId: ["Already expired: nothing left to void."] },
        });
      case "ALREADY_VOIDED":
        return { voided: 0, replayed: true };
      case "VOIDED":
        await tx.adminAudit.create({
          data: {
            adminId: input.adminId,
            action: "credits.void-grant",
            targetUserId: owner.userId,
            reason: input.reason,
            before: { grantId: input.grantId.toString(), remaining: row.voided },
            after: { grantId: input.grantId.toString(), remaining: 0, voided: true },
          },
        });
        return { voided: row.voided, replayed: false };
    }
  });
  logger.info({ grantId: input.grantId.toString(), userId: owner.userId, adminId: input.adminId, ...result }, "grant voided by an admin");
  return { userId: owner.userId, ...result };
}
