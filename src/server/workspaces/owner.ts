import "server-only";

import type { Prisma } from "~/server/db";
import { assert } from "~/server/errors";

/**
 * A Prisma select of a workspace's owner: the user who is told by mail and
 * named on receipts. Decision 0012, step 1: every workspace is personal and
 * has one OWNER, its user; a team's first owner will answer for it too.
 */
export function ownerSelect<S extends Prisma.UserSelect>(user: S) {
  return {
    members: { where: { role: "OWNER" }, orderBy: { createdAt: "asc" }, take: 1, select: { user: { select: user } } },
  } satisfies Prisma.WorkspaceSelect;
}

/** The owner that `ownerSelect` read; every workspace not deleted has one (the personal workspace's trigger makes it). */
export function ownerOf<U>(workspace: { members: { user: U }[] }): U {
  const owner = workspace.members[0];
  assert(owner, "every workspace has an owner");
  return owner.user;
}

/**
 * The owner that `ownerSelect` read, or null for a deleted team (which has
 * no members left: workspaces.deleteTeam): what a queued mail about a
 * workspace finds when it runs after the workspace's deletion.
 */
export function ownerIfAny<U>(workspace: { members: { user: U }[] }): U | null {
  return workspace.members[0]?.user ?? null;
}
