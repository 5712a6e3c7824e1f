import "server-only";

import type { z } from "zod";

import type { Db, Prisma } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { adminJobSelect } from "~/server/admin/jobs";
import { listWorkspaceBudgetChanges, listWorkspaceBudgets } from "~/server/admin/budgets";
import { ledgerSelect, withStringId } from "~/server/admin/rows";
import { idCursorArgs, toPage } from "~/server/pagination";
import type { workspacesInput } from "~/shared/schemas/admin";

/**
 * Accounts (workspaces: every user's personal one and the teams) as an
 * admin sees them (SPEC §9): searchable, with their members, invitations,
 * budgets and the audit of every change of role, budget or membership.
 * Reads only; the changes are src/server/workspaces/* and the money door.
 */

/** At most this many owners' emails are shown per row of the accounts list (the count of members is exact). */
const ownersShownMax = 3;
/** Bounds of the account page's lists, each read through an index on the workspace's id. */
const membersMax = 200;
const invitationsMax = 50;
const changesMax = 100;
const recentRowsMax = 20;
/** At most this many accounts are listed on a user's admin page. */
const userWorkspacesMax = 50;

const workspaceRowSelect = { id: true, name: true, kind: true, balance: true, createdAt: true, deletedAt: true } satisfies Prisma.WorkspaceSelect;

type RowFacts = { id: string; members_count: number; owner_emails: string[] };

/**
 * The members' count and the first owners' emails of a page of accounts,
 * read by key (workspace_member's primary key starts with the workspace).
 * Not Prisma's `_count`, which joins a count of every membership of the
 * database to the page.
 */
async function factsOf(client: Db, ids: string[]): Promise<Map<string, RowFacts>> {
  if (ids.length === 0) return new Map();
  const rows = await client.$queryRaw<RowFacts[]>`
    SELECT w.id,
      (SELECT count(*) FROM workspace_member m WHERE m.workspace_id = w.id)::int AS members_count,
      ARRAY(SELECT u.email FROM workspace_member m JOIN "user" u ON u.id = m.user_id
            WHERE m.workspace_id = w.id AND m.role = 'OWNER'
            ORDER BY m.created_at, m.user_id LIMIT ${ownersShownMax}) AS owner_emails
    FROM unnest(${ids}::text[]) AS w(id)`;
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * A page of accounts, newest first: an exact id, or a case-insensitive part
 * of the name or of a member's email, optionally of one kind. Without a
 * search, the page is read backwards through the created_at index. Like
 * `listUsers`' search, a part of a name or an email is a scan (of the
 * workspaces, and of the users for the email, once, as a hashed subquery),
 * with no trigram index yet (docs/operations.md, "The admin dashboard at
 * scale"). Each row's members and owners are then read by key.
 */
export async function listWorkspaces(client: Db, input: z.output<typeof workspacesInput>) {
  const query = input.query?.trim();
  const rows = await client.workspace.findMany({
    where: {
      ...(input.kind ? { kind: input.kind } : {}),
      ...(query
        ? {
            OR: [
              { id: query },
              { name: { contains: query, mode: "insensitive" } },
              { members: { some: { user: { email: { contains: query, mode: "insensitive" } } } } },
            ],
          }
        : {}),
    },
    select: workspaceRowSelect,
    ...idCursorArgs(input),
  });
  const page = toPage(rows, input.limit);
  const facts = await factsOf(client, page.items.map((row) => row.id));
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((row) => {
      const fact = facts.get(row.id);
      assert(fact, "factsOf answers each id it is given");
      return { ...row, membersCount: fact.members_count, ownerEmails: fact.owner_emails };
    }),
  };
}

const roleRank = { OWNER: 0, ADMIN: 1, MEMBER: 2 } as const;

/** An account's members, owners first, then by email; bounded. */
async function membersOf(client: Db, workspaceId: string) {
  const rows = await client.workspaceMember.findMany({
    where: { workspaceId },
    select: { userId: true, role: true, createdAt: true, user: { select: { email: true, name: true, deletedAt: true } } },
    orderBy: [{ role: "asc" }, { createdAt: "asc" }, { userId: "asc" }],
    take: membersMax,
  });
  return rows
    .map((row) => ({
      userId: row.userId, email: row.user.email, name: row.user.name, deleted: row.user.deletedAt !== null,
      role: row.role, joinedAt: row.createdAt,
    }))
    .sort((a, b) => roleRank[a.role] - roleRank[b.role] || a.email.localeCompare(b.email));
}

/** Pending invitations (not accepted, revoked or expired): the address, the role, the expiry and who invited. Never the token's hash. */
function pendingInvitationsOf(client: Db, workspaceId: string) {
  return client.workspaceInvitation.findMany({
    where: { workspaceId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, email: true, role: true, createdAt: true, expiresAt: true, invitedBy: { select: { id: true, email: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: invitationsMax,
  });
}

/** The workspace_change audit, newest first, with the emails of who acted and of whom it was about. */
async function changesOf(client: Db, workspaceId: string) {
  const rows = await client.workspaceChange.findMany({
    where: { workspaceId },
    select: { id: true, action: true, actorUserId: true, subjectUserId: true, before: true, after: true, createdAt: true },
    orderBy: { id: "desc" },
    take: changesMax,
  });
  const ids = new Set(rows.flatMap((row) => (row.subjectUserId ? [row.actorUserId, row.subjectUserId] : [row.actorUserId])));
  const people = await client.user.findMany({ where: { id: { in: [...ids] } }, select: { id: true, email: true } });
  const emailOf = new Map(people.map((person) => [person.id, person.email]));
  return rows.map((row) => ({
    ...withStringId(row),
    actorEmail: emailOf.get(row.actorUserId) ?? null,
    subjectEmail: row.subjectUserId ? (emailOf.get(row.subjectUserId) ?? null) : null,
  }));
}

/**
 * One account as an admin sees it: the wallet (balance, what active jobs
 * hold), members with their roles, pending invitations, budgets with what
 * is spent this period and their history, the audit of membership, role
 * and setting changes, recent jobs with the member who acted, and recent
 * ledger entries. Each list is bounded and read through an index on the
 * workspace's id. An unknown id is NOT_FOUND.
 */
export async function getAdminWorkspace(client: Db, workspaceId: string) {
  const workspace = await client.workspace.findUnique({
    where: { id: workspaceId },
    select: { id: true, name: true, kind: true, balance: true, membersSeeStatement: true, createdAt: true, deletedAt: true },
  });
  if (!workspace) throw new AppError("NOT_FOUND", "No such account.");
  const [reserved, membersCount, members, invitations, budgets, budgetChanges, changes, jobs, ledger] = await Promise.all([
    client.job.aggregate({ where: { workspaceId, status: { in: ["PENDING", "PROCESSING"] } }, _sum: { totalCost: true }, _count: true }),
    client.workspaceMember.count({ where: { workspaceId } }),
    membersOf(client, workspaceId),
    pendingInvitationsOf(client, workspaceId),
    listWorkspaceBudgets(client, workspaceId),
    listWorkspaceBudgetChanges(client, workspaceId),
    changesOf(client, workspaceId),
    client.job.findMany({ where: { workspaceId }, select: adminJobSelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: recentRowsMax }),
    client.ledgerEntry.findMany({ where: { workspaceId }, select: ledgerSelect, orderBy: { id: "desc" }, take: recentRowsMax }),
  ]);
  return {
    workspace,
    reserved: reserved._sum.totalCost ?? 0,
    activeJobs: reserved._count,
    membersCount,
    members,
    invitations,
    budgets,
    budgetChanges,
    changes,
    jobs,
    ledger: ledger.map(withStringId),
  };
}

/** The accounts a user belongs to, with their role: the personal one first, then teams by name. */
export async function listUserWorkspaces(client: Db, userId: string) {
  const rows = await client.workspaceMember.findMany({
    where: { userId },
    select: { role: true, createdAt: true, workspace: { select: { id: true, name: true, kind: true, balance: true } } },
    orderBy: [{ createdAt: "asc" }, { workspaceId: "asc" }],
    take: userWorkspacesMax,
  });
  return rows
    .map((row) => ({ ...row.workspace, role: row.role, joinedAt: row.createdAt }))
    .sort((a, b) => Number(a.kind === "TEAM") - Number(b.kind === "TEAM") || a.name.localeCompare(b.name));
}
