import "server-only";

import type { Prisma, Tx } from "~/server/db";

/** What a workspace_change row records (SPEC §9: every change of role or membership is audited). */
export type WorkspaceChangeAction =
  | "TEAM_CREATED"
  | "RENAMED"
  | "INVITED"
  | "INVITATION_REVOKED"
  | "MEMBER_JOINED"
  | "ROLE_CHANGED"
  | "MEMBER_REMOVED"
  | "MEMBER_LEFT"
  | "SETTINGS_CHANGED"
  | "TEAM_DELETED";

export type WorkspaceChange = {
  workspaceId: string;
  actorUserId: string;
  subjectUserId?: string | null;
  action: WorkspaceChangeAction;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
};

/**
 * Writes one audit row. Called inside the transaction of the change it
 * records, so a change is never without its row, nor a row without its
 * change.
 */
export async function recordWorkspaceChange(tx: Tx, change: WorkspaceChange): Promise<void> {
  await tx.workspaceChange.create({
    data: {
      workspaceId: change.workspaceId,
      actorUserId: change.actorUserId,
      subjectUserId: change.subjectUserId ?? null,
      action: change.action,
      before: change.before,
      after: change.after,
    },
  });
}
