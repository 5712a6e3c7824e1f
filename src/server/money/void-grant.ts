import "server-only";

import type { Db, Tx } from "~/server/db";
import { AppError } from "~/server/errors";
import { accountTransaction } from "~/server/money/shapes";

export type VoidGrantResult = { workspaceId: string; voided: number; replayed: boolean };
type VoidOutcome = "VOIDED" | "ALREADY_VOIDED" | "EXPIRED" | "NOT_FOUND";

/**
 * Voids a grant (SPEC §7) through `cw_void_grant`, in one SERIALIZABLE
 * transaction queued behind the account's other writers: what the grant
 * still holds leaves in one EXPIRE entry with the admin as actor and the
 * reason, and the grant is closed; credits it gave to a job still running
 * come back to it only to expire at once. A voided grant voids again as a
 * replay (nothing changes, `alsoCommit` is not called); an expired one is a
 * VALIDATION_ERROR. `alsoCommit` runs in the same transaction (the audit row).
 */
export async function voidGrant(
  client: Db,
  input: { grantId: bigint; adminId: string; reason: string },
  alsoCommit?: (tx: Tx, result: VoidGrantResult) => Promise<void>,
): Promise<VoidGrantResult> {
  if (input.reason.includes("\u0000")) {
    throw new AppError("VALIDATION_ERROR", "The reason contains a NUL character.", { fieldErrors: { reason: ["Remove the NUL character."] } });
  }
  const owner = await client.creditGrant.findUnique({ where: { id: input.grantId }, select: { workspaceId: true } });
  if (!owner) throw new AppError("NOT_FOUND", "No such grant.");
  return accountTransaction(client, { label: "ledger.voidGrant", accountId: owner.workspaceId }, async (tx) => {
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
        return { workspaceId: owner.workspaceId, voided: 0, replayed: true };
      case "VOIDED": {
        const result = { workspaceId: owner.workspaceId, voided: row.voided, replayed: false };
        if (alsoCommit) await alsoCommit(tx, result);
        return result;
      }
    }
  });
}
