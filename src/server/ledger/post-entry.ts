import { AppError, assert } from "~/server/errors";
import type { Tx } from "~/server/db";
import type { LockedUser } from "~/server/ledger/lock-user";

export type LedgerKind = "GRANT" | "PURCHASE" | "CHARGE" | "REFUND" | "ADJUSTMENT";
export type Actor = { type: "USER" | "ADMIN" | "SYSTEM"; id: string | null };

export type LedgerEntryRow = {
  id: bigint;
  userId: string;
  kind: LedgerKind;
  amount: number;
  balanceBefore: number;
  balanceAfter: number;
  jobId: string | null;
  reason: string;
  createdAt: Date;
};

export type PostEntryInput = {
  kind: LedgerKind;
  amount: number;
  jobId?: string | null;
  actor: Actor;
  reason: string;
  idempotencyKey?: string | null;
};

/**
 * Moves `amount` credits on a locked user and appends the ledger entry that
 * explains it, in the caller's transaction. A debit larger than the balance
 * is refused with INSUFFICIENT_CREDITS — never clamped. The database checks
 * the same facts again (balance CHECK, entry arithmetic, chain trigger).
 * Only modules in src/server/ledger/ call this.
 */
export async function postEntry(tx: Tx, user: LockedUser, input: PostEntryInput): Promise<LedgerEntryRow> {
  assert(Number.isSafeInteger(input.amount) && input.amount !== 0, "a ledger amount is a non-zero integer");
  const balanceBefore = user.balance;
  const balanceAfter = balanceBefore + input.amount;
  if (balanceAfter < 0) {
    throw new AppError("INSUFFICIENT_CREDITS", undefined, {
      requiredCredits: -balanceAfter,
      availableCredits: balanceBefore,
    });
  }
  // Guarded by the balance we read under the lock: if anything moved it
  // behind our back, zero rows change and the assertion stops the transaction.
  const changed = await tx.$executeRaw`
    UPDATE "user" SET balance = ${balanceAfter}, updated_at = now()
    WHERE id = ${user.id} AND balance = ${balanceBefore}`;
  assert(changed === 1, `balance of ${user.id} changed while locked`);
  const rows = await tx.$queryRaw<LedgerEntryRow[]>`
    INSERT INTO ledger_entry
      (user_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, idempotency_key, created_at)
    VALUES
      (${user.id}, ${input.kind}::"LedgerKind", ${input.amount}, ${balanceBefore}, ${balanceAfter},
       ${input.jobId ?? null}::uuid, ${input.actor.type}::"ActorType", ${input.actor.id}, ${input.reason},
       ${input.idempotencyKey ?? null}, clock_timestamp())
    RETURNING id, user_id AS "userId", kind::text AS kind, amount, balance_before AS "balanceBefore",
      balance_after AS "balanceAfter", job_id::text AS "jobId", reason, created_at AS "createdAt"`;
  const entry = rows[0];
  assert(entry && entry.balanceAfter === balanceAfter, "ledger entry written with the new balance");
  user.balance = balanceAfter;
  return entry;
}
