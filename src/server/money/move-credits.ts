import "server-only";

import type { Db, Tx } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { accountTransaction } from "~/server/money/shapes";
import type { Actor, GrantCategory, LedgerEntryRow } from "~/server/money/types";

/** How credits that enter the account are kept (SPEC §7); every field has a default. */
export type GrantTerms = {
  /** Default: PROMOTIONAL for a GRANT, PAID for a purchase or an adjustment. */
  category?: GrantCategory;
  /** 0–100, lower is spent first. Default: promotional 10, paid 50. */
  priority?: number;
  /** Default now; a later date schedules the grant (its credits enter then). */
  effectiveAt?: Date;
  /** Default: never. */
  expiresAt?: Date | null;
};

export type CreditMovementInput<Terms extends GrantTerms = Omit<GrantTerms, "effectiveAt">> = {
  workspaceId: string;
  /** Positive adds credits (as a grant), negative deducts them (ADJUSTMENT only). */
  amount: number;
  kind: "GRANT" | "PURCHASE" | "ADJUSTMENT";
  actor: Actor;
  reason: string;
  /** Per user: the same key applies the movement once. */
  idempotencyKey: string;
  /** For credits in: the grant's terms. */
  grant?: Terms;
};

export type CreditMovementResult = { status: "posted"; entry: LedgerEntryRow; grantId: bigint | null; replayed: boolean };
export type ScheduledGrantResult = { status: "scheduled"; entry: null; grantId: bigint; replayed: boolean };

type MoveOutcome = "POSTED" | "SCHEDULED" | "REPLAYED" | "KEY_REUSED" | "INSUFFICIENT" | "NOT_POSITIVE" | "EXPIRY_PAST" | "NO_USER";
type MoveRow = Partial<LedgerEntryRow> & { outcome: MoveOutcome; available: number | null; grantId: bigint | null };

/**
 * Adds or deducts credits outside of jobs (signup bonus, purchase, admin
 * grant or deduction), exactly once per (user, idempotency key), through
 * `cw_move_credits` in an interactive SERIALIZABLE transaction queued behind
 * the account's others: the unique indexes on the ledger and the grants are the
 * guard, the lookup under the workspace lock only the fast path. Credits in
 * become a grant with `input.grant`'s terms; a deduction draws from the
 * grants in spending order and is refused, never clamped, when it would
 * overdraw. `alsoCommit` runs in the same transaction (audit rows, the
 * checkout's completion) and is not called on a replay.
 */
export async function moveCredits(
  client: Db,
  input: CreditMovementInput,
  alsoCommit?: (tx: Tx, result: CreditMovementResult) => Promise<void>,
): Promise<CreditMovementResult> {
  const result = await moveOrScheduleCredits(client, input, alsoCommit && ((tx, posted) => {
    assert(posted.status === "posted", "a movement without an effective date is posted now");
    return alsoCommit(tx, posted);
  }));
  assert(result.status === "posted", "a movement without an effective date is posted now");
  return result;
}

/**
 * `moveCredits` for credits that may enter later: with `grant.effectiveAt`
 * in the future the grant is scheduled (no entry yet; its credits enter
 * when the sweep or the account's next movement finds it effective).
 */
export async function moveOrScheduleCredits(
  client: Db,
  input: CreditMovementInput<GrantTerms>,
  alsoCommit?: (tx: Tx, result: CreditMovementResult | ScheduledGrantResult) => Promise<void>,
): Promise<CreditMovementResult | ScheduledGrantResult> {
  // PostgreSQL text cannot hold U+0000: bad input, not an internal error.
  if (input.reason.includes("\u0000")) {
    throw new AppError("VALIDATION_ERROR", "The reason contains a NUL character.", {
      fieldErrors: { reason: ["Remove the NUL character."] },
    });
  }
  assert(Number.isSafeInteger(input.amount) && input.amount !== 0, "a credit movement is a non-zero integer");
  const terms = input.grant ?? {};
  assert(terms.priority === undefined || (Number.isInteger(terms.priority) && terms.priority >= 0 && terms.priority <= 100),
    "a grant's priority is an integer from 0 to 100");
  return accountTransaction(client, { label: "ledger.moveCredits", accountId: input.workspaceId }, async (tx) => {
    const rows = await tx.$queryRaw<MoveRow[]>`
      SELECT r.outcome, r.available, r.grant_id AS "grantId", (r.entry).id, (r.entry).workspace_id AS "workspaceId",
        (r.entry).kind::text AS kind, (r.entry).amount, (r.entry).balance_before AS "balanceBefore",
        (r.entry).balance_after AS "balanceAfter", (r.entry).job_id::text AS "jobId", (r.entry).reason,
        (r.entry).created_at AS "createdAt"
      FROM cw_move_credits(${input.workspaceId}, ${input.kind}::"LedgerKind", ${input.amount}::int,
        ${input.actor.type}::"ActorType", ${input.actor.id}, ${input.reason}, ${input.idempotencyKey},
        ${terms.category ?? null}::"GrantCategory", ${terms.priority ?? null}::int,
        ${terms.effectiveAt ?? null}::timestamptz, ${terms.expiresAt ?? null}::timestamptz) AS r`;
    const { outcome, available, grantId, ...entry } = rows[0] ?? { outcome: "NO_USER" as const, available: null, grantId: null };
    switch (outcome) {
      case "NO_USER":
        throw new AppError("NOT_FOUND", "No such user.");
      case "KEY_REUSED":
        throw new AppError("IDEMPOTENCY_KEY_REUSED");
      case "NOT_POSITIVE":
        throw new AppError("VALIDATION_ERROR", "A grant or purchase adds credits.", { fieldErrors: { amount: ["Must be positive."] } });
      case "EXPIRY_PAST":
        throw new AppError("VALIDATION_ERROR", "The expiry must be after the grant becomes effective, and in the future.", {
          fieldErrors: { expiresAt: ["Pick a date after the effective date, in the future."] },
        });
      case "INSUFFICIENT":
        throw new AppError("INSUFFICIENT_CREDITS", undefined, {
          requiredCredits: -(input.amount + (available ?? 0)),
          availableCredits: available ?? 0,
        });
      case "REPLAYED":
        return entry.id === null || entry.id === undefined
          ? { status: "scheduled", entry: null, grantId: grantId as bigint, replayed: true }
          : { status: "posted", entry: entry as LedgerEntryRow, grantId, replayed: true };
      case "SCHEDULED":
      case "POSTED": {
        const result: CreditMovementResult | ScheduledGrantResult =
          outcome === "SCHEDULED"
            ? { status: "scheduled", entry: null, grantId: grantId as bigint, replayed: false }
            : { status: "posted", entry: entry as LedgerEntryRow, grantId, replayed: false };
        if (alsoCommit) await alsoCommit(tx, result);
        return result;
      }
    }
  });
}
