import { withAccountTransaction, type Db, type Tx } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import type { Actor, LedgerEntryRow } from "~/server/ledger/types";

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

type MoveOutcome = "POSTED" | "REPLAYED" | "KEY_REUSED" | "INSUFFICIENT" | "NOT_POSITIVE" | "NO_USER";
type MoveRow = Partial<LedgerEntryRow> & { outcome: MoveOutcome; available: number | null };

/**
 * Adds or deducts credits outside of jobs (signup bonus, purchase, admin
 * grant or deduction), exactly once per (user, idempotency key), through
 * `cw_move_credits` in one SERIALIZABLE transaction queued behind the
 * account's others: the unique index on the ledger is the guard, the lookup
 * under the user lock only the fast path. A deduction that would overdraw
 * is refused, never clamped. `afterPost` runs in the same transaction
 * (audit rows, the checkout's completion) and is not called on a replay.
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
  assert(Number.isSafeInteger(input.amount) && input.amount !== 0, "a credit movement is a non-zero integer");
  return withAccountTransaction(client, { label: "ledger.moveCredits", accountId: input.userId }, async (tx) => {
    const rows = await tx.$queryRaw<MoveRow[]>`
      SELECT r.outcome, r.available, (r.entry).id, (r.entry).user_id AS "userId", (r.entry).kind::text AS kind,
        (r.entry).amount, (r.entry).balance_before AS "balanceBefore", (r.entry).balance_after AS "balanceAfter",
        (r.entry).job_id::text AS "jobId", (r.entry).reason, (r.entry).created_at AS "createdAt"
      FROM cw_move_credits(${input.userId}, ${input.kind}::"LedgerKind", ${input.amount}::int,
        ${input.actor.type}::"ActorType", ${input.actor.id}, ${input.reason}, ${input.idempotencyKey}) AS r`;
    const { outcome, available, ...entry } = rows[0] ?? { outcome: "NO_USER" as const, available: null };
    switch (outcome) {
      case "NO_USER":
        throw new AppError("NOT_FOUND", "No such user.");
      case "KEY_REUSED":
        throw new AppError("IDEMPOTENCY_KEY_REUSED");
      case "NOT_POSITIVE":
        throw new AppError("VALIDATION_ERROR", "A grant or purchase adds credits.", { fieldErrors: { amount: ["Must be positive."] } });
      case "INSUFFICIENT":
        throw new AppError("INSUFFICIENT_CREDITS", undefined, {
          requiredCredits: -(input.amount + (available ?? 0)),
          availableCredits: available ?? 0,
        });
      case "REPLAYED":
        return { entry: entry as LedgerEntryRow, replayed: true };
      case "POSTED": {
        const result = { entry: entry as LedgerEntryRow, replayed: false };
        if (afterPost) await afterPost(tx, result);
        return result;
      }
    }
  });
}
