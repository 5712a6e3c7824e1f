import { withTransaction, type Db, type Tx } from "~/server/db";
import { AppError } from "~/server/errors";
import { lockUser } from "~/server/ledger/lock-user";
import { postEntry, type Actor, type LedgerEntryRow } from "~/server/ledger/post-entry";

export type CreditMovementInput = {
  userId: string;
  /** Positive adds credits, negative deducts them (ADJUSTMENT only). */
  amount: number;
  kind: "GRANT" | "PURCHASE" | "ADJUSTMENT";
  actor: Actor;
  reason: string;
  /** Per user: the same key applies the movement once. */
  idempotencyKey: string;
};

export type CreditMovementResult = { entry: LedgerEntryRow; replayed: boolean };

/**
 * Adds or deducts credits outside of jobs (signup bonus, purchase, admin
 * grant or deduction), exactly once per (user, idempotency key): the unique
 * index on the ledger is the guard, the lookup under the user lock only the
 * fast path. A deduction that would overdraw is refused, never clamped.
 */
export async function moveCredits(
  client: Db,
  input: CreditMovementInput,
  afterPost?: (tx: Tx, result: CreditMovementResult) => Promise<void>,
): Promise<CreditMovementResult> {
  // PostgreSQL text cannot hold U+0000: bad input, not an internal error.
  if (input.reason.includes("\u0000")) {
    throw new AppError("VALIDATION_ERROR", "The reason contains a NUL character.", {
      fieldErrors: { reason: ["Remove the NUL character."] },
    });
  }
  return withTransaction(client, { label: "ledger.moveCredits" }, async (tx) => {
    const user = await lockUser(tx, input.userId);
    const existing = await tx.ledgerEntry.findUnique({
      where: { userId_idempotencyKey: { userId: input.userId, idempotencyKey: input.idempotencyKey } },
    });
    if (existing) {
      if (existing.kind !== input.kind || existing.amount !== input.amount) {
        throw new AppError("IDEMPOTENCY_KEY_REUSED");
      }
      return {
        replayed: true,
        entry: { ...existing, kind: existing.kind, jobId: existing.jobId },
      };
    }
    if (input.kind !== "ADJUSTMENT" && input.amount <= 0) {
      throw new AppError("VALIDATION_ERROR", "A grant or purchase adds credits.", {
        fieldErrors: { amount: ["Must be positive."] },
      });
    }
    const entry = await postEntry(tx, user, {
      kind: input.kind,
      amount: input.amount,
      actor: input.actor,
      reason: input.reason,
      idempotencyKey: input.idempotencyKey,
    });
    const result = { entry, replayed: false };
    if (afterPost) await afterPost(tx, result);
    return result;
  });
}
