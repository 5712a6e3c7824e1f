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

function stateOf(row: GrantRow): WalletGrant["state"] {
  if (row.voidReason !== null) return "voided";
  if (row.closedAt !== null) return "expired";
  if (row.openedAt === null) return "scheduled";
  return row.remaining > 0 ? "live" : "spent";
}

function toWalletGrant(row: GrantRow): WalletGrant {
  const { openedAt: _openedAt, id, ...shown } = row;
  return { ...shown, id: id.toString(), state: stateOf(row) };
}

/**
 * A user's wallet (SPEC §7): every open grant in the order credits are spent
 * (priority, soonest expiry, age), the scheduled ones, the last closed ones,
 * and what expires soonest. Two index reads of the user's grants.
 */
export async function getWallet(client: Db, userId: string, now = new Date()): Promise<Wallet> {
  const select = {
    id: true, category: true, priority: true, amount: true, remaining: true, kind: true, reason: true,
    effectiveAt: true, expiresAt: true, openedAt: true, closedAt: true, voidReason: true,
  } as const;
  const [open, closed] = await Promise.all([
    client.creditGrant.findMany({
      where: { userId, closedAt: null },
      orderBy: [{ priority: "asc" }, { expiresAt: { sort: "asc", nulls: "last" } }, { effectiveAt: "asc" }, { id: "asc" }],
      select,
    }),
    client.creditGrant.findMany({ where: { userId, closedAt: { not: null } }, orderBy: { closedAt: "desc" }, take: closedShown, select }),
  ]);
  const live = open.filter((grant) => grant.openedAt !== null && grant.remaining > 0);
  const scheduled = open.filter((grant) => grant.openedAt === null);
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
  return {
    grants: [...live, ...open.filter((grant) => grant.openedAt !== null && grant.remaining === 0), ...scheduled].map(toWalletGrant),
    closed: closed.map(toWalletGrant),
    expiringSoon,
  };
}
