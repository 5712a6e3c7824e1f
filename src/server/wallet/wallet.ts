import "server-only";

import type { Db } from "~/server/db";
import type { GrantCategory, LedgerKind } from "~/server/money";

/** One grant as the statement's wallet shows it. */
export type WalletGrant = {
  id: string;
  category: GrantCategory;
  priority: number;
  amount: number;
  remaining: number;
  kind: LedgerKind;
  reason: string;
  effectiveAt: Date;
  expiresAt: Date | null;
  /**
   * live: its credits count; spent: open but holding nothing now (a refund
   * may bring some back); scheduled: effective later; expired / voided: closed.
   */
  state: "live" | "spent" | "scheduled" | "expired" | "voided";
  closedAt: Date | null;
  voidReason: string | null;
};

export type Wallet = {
  /** Open grants in spending order (the next credit spent comes from the first), then scheduled ones. */
  grants: WalletGrant[];
  /** The grants closed most recently (expired or voided), newest first. */
  closed: WalletGrant[];
  /** The credits that expire first within `soonDays`, and when: the header's notice. */
  expiringSoon: { credits: number; expiresAt: Date } | null;
};

type GrantRow = Omit<WalletGrant, "id" | "state"> & { id: bigint; openedAt: Date | null };

/** How far ahead the header warns of expiring credits. */
export const expiringSoonDays = 14;
const closedShown = 10;

/**
 * A grant's state at `now`, as the next movement of the account will find
 * it: an open grant past its expiry is expired (its rest leaves at the
 * sweep, and no create spends it before), a scheduled one now effective is
 * live (its credits enter then).
 */
function stateAt(row: GrantRow, now: Date): WalletGrant["state"] {
  if (row.voidReason !== null) return "voided";
  if (row.closedAt !== null) return "expired";
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired";
  if (row.openedAt === null) return row.effectiveAt > now ? "scheduled" : "live";
  return row.remaining > 0 ? "live" : "spent";
}

function toWalletGrant(row: GrantRow, now: Date): WalletGrant {
  const { openedAt: _openedAt, id, ...shown } = row;
  const state = stateAt(row, now);
  if (row.closedAt === null && state === "expired") {
    // Expired but not swept yet: shown as the sweep will leave it.
    return { ...shown, id: id.toString(), state, remaining: 0, closedAt: row.expiresAt };
  }
  if (row.openedAt === null && state === "live") return { ...shown, id: id.toString(), state, remaining: row.amount };
  return { ...shown, id: id.toString(), state };
}

/**
 * A user's wallet (SPEC §7) as of the database's clock: every live grant in
 * the order credits are spent (priority, soonest expiry, age), the spent
 * ones, the scheduled ones, the last closed ones (a grant past its expiry
 * counts as closed before the sweep closes it), and what expires soonest.
 * Two index reads of the user's grants and one of the clock.
 */
export async function getWallet(client: Db, workspaceId: string): Promise<Wallet> {
  const select = {
    id: true, category: true, priority: true, amount: true, remaining: true, kind: true, reason: true,
    effectiveAt: true, expiresAt: true, openedAt: true, closedAt: true, voidReason: true,
  } as const;
  const [open, closedRows, clock] = await Promise.all([
    client.creditGrant.findMany({
      where: { workspaceId, closedAt: null },
      orderBy: [{ priority: "asc" }, { expiresAt: { sort: "asc", nulls: "last" } }, { effectiveAt: "asc" }, { id: "asc" }],
      select,
    }),
    client.creditGrant.findMany({ where: { workspaceId, closedAt: { not: null } }, orderBy: { closedAt: "desc" }, take: closedShown, select }),
    client.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`,
  ]);
  const now = clock[0]!.now;
  const grants = open.map((row) => toWalletGrant(row, now));
  const live = grants.filter((grant) => grant.state === "live");
  const spent = grants.filter((grant) => grant.state === "spent");
  const scheduled = grants.filter((grant) => grant.state === "scheduled");
  const expiredUnswept = grants.filter((grant) => grant.state === "expired");
  const horizon = now.getTime() + expiringSoonDays * 86_400_000;
  const soonest = live
    .filter((grant): grant is typeof grant & { expiresAt: Date } => grant.expiresAt !== null && grant.expiresAt.getTime() <= horizon)
    .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())[0];
  const expiringSoon = soonest
    ? {
        expiresAt: soonest.expiresAt,
        // Every credit that expires on the same day as the first.
        credits: live
          .filter((grant) => grant.expiresAt !== null && grant.expiresAt.getTime() - soonest.expiresAt.getTime() < 86_400_000)
          .reduce((total, grant) => total + grant.remaining, 0),
      }
    : null;
  const closed = [...expiredUnswept, ...closedRows.map((row) => toWalletGrant(row, now))]
    .sort((a, b) => (b.closedAt?.getTime() ?? 0) - (a.closedAt?.getTime() ?? 0))
    .slice(0, closedShown);
  return { grants: [...live, ...spent, ...scheduled], closed, expiringSoon };
}
