import "server-only";

import type { Db } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { getWallet } from "~/server/wallet/wallet";
import { withEmails } from "~/server/admin/audit";
import { listWorkspaceBudgetChanges, listWorkspaceBudgets } from "~/server/admin/budgets";
import { ledgerSelect, withStringId } from "~/server/admin/rows";
import { idCursorArgs, toPage } from "~/server/pagination";
import { jobSelect } from "~/server/money";
import { personalWorkspaceIdOf } from "~/server/workspaces/active-workspace";
import { listUserWorkspaces } from "~/server/admin/workspaces";

const userSelect = { id: true, email: true, name: true, role: true, createdAt: true } as const;

/** Users with the balance of their personal workspace (its id is theirs: personalWorkspaceIdOf). */
async function withBalances<U extends { id: string }>(client: Db, users: U[]): Promise<(U & { balance: number })[]> {
  const wallets = await client.workspace.findMany({
    where: { id: { in: users.map((user) => personalWorkspaceIdOf(user.id)) } },
    select: { id: true, balance: true },
  });
  const balanceOf = new Map(wallets.map((wallet) => [wallet.id, wallet.balance]));
  return users.map((user) => {
    const balance = balanceOf.get(personalWorkspaceIdOf(user.id));
    assert(balance !== undefined, "every user has a personal workspace");
    return { ...user, balance };
  });
}

/** Users matching a search (exact id, or part of an email or name), newest first. */
export async function listUsers(client: Db, input: { query?: string; cursor?: string; limit: number }) {
  const query = input.query?.trim();
  const rows = await client.user.findMany({
    where: query
      ? {
          OR: [
            { id: query },
            { email: { contains: query, mode: "insensitive" } },
            { name: { contains: query, mode: "insensitive" } },
          ],
        }
      : {},
    select: userSelect,
    ...idCursorArgs(input),
  });
  return toPage(await withBalances(client, rows), input.limit);
}

const recentRowsMax = 20;

/**
 * One user as an admin sees them: balance and what their active jobs hold,
 * recent jobs, recent ledger entries, the admin actions that targeted them,
 * their budgets (spent this period) with the history of every change, and
 * the accounts they belong to with their role (SPEC §9). Each list is
 * bounded and read through an index on user id.
 */
export async function getAdminUser(client: Db, userId: string) {
  const found = await client.user.findUnique({ where: { id: userId }, select: userSelect });
  if (!found) throw new AppError("NOT_FOUND", "No such user.");
  const [user] = await withBalances(client, [found]);
  assert(user, "withBalances answers each user");
  const workspaceId = personalWorkspaceIdOf(userId);
  const [reserved, jobs, ledger, audit, wallet, budgets, budgetChanges, workspaces] = await Promise.all([
    client.job.aggregate({
      where: { workspaceId, status: { in: ["PENDING", "PROCESSING"] } },
      _sum: { totalCost: true },
      _count: true,
    }),
    client.job.findMany({ where: { workspaceId }, select: jobSelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: recentRowsMax }),
    client.ledgerEntry.findMany({ where: { workspaceId }, select: ledgerSelect, orderBy: { id: "desc" }, take: recentRowsMax }),
    client.adminAudit.findMany({ where: { targetUserId: userId }, orderBy: { id: "desc" }, take: recentRowsMax }),
    getWallet(client, workspaceId),
    listWorkspaceBudgets(client, workspaceId),
    listWorkspaceBudgetChanges(client, workspaceId),
    listUserWorkspaces(client, userId),
  ]);
  return {
    user,
    reserved: reserved._sum.totalCost ?? 0,
    activeJobs: reserved._count,
    jobs,
    ledger: ledger.map(withStringId),
    audit: await withEmails(client, audit),
    wallet,
    budgets,
    budgetChanges,
    workspaces,
  };
}
