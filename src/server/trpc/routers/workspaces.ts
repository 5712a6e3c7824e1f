import {
  changeRoleInput,
  createTeamInput,
  deleteTeamInput,
  invitationIdInput,
  invitationTokenInput,
  inviteInput,
  removeMemberInput,
  renameTeamInput,
  statementVisibilityInput,
  switchWorkspaceInput,
} from "~/shared/schemas/workspaces";
import { createTRPCRouter, protectedProcedure, workspaceProcedure } from "~/server/trpc/procedures";
import { acceptInvitation, inviteMember, listPendingInvitations, revokeInvitation } from "~/server/workspaces/invitations";
import { changeRole, leaveTeam, listMembers, removeMember } from "~/server/workspaces/members";
import type { ActiveWorkspace } from "~/server/workspaces/active-workspace";
import { deleteTeam } from "~/server/workspaces/delete-team";
import { createTeam, listMyWorkspaces, renameTeam, setMembersSeeStatement, switchWorkspace } from "~/server/workspaces/teams";
import { activeWorkspaceView, previewInvitation } from "~/server/workspaces/team-view";

/** Who acts on the active workspace's members: the workspace with the actor's role, and the actor. */
function memberActing(ctx: { user: { id: string }; workspace: ActiveWorkspace }) {
  return { workspace: ctx.workspace, actorUserId: ctx.user.id };
}

/**
 * Teams, members and invitations (SPEC §9, decision 0012 step 2). The
 * procedures about the user (their workspaces, switching, creating a team,
 * accepting an invitation) are protectedProcedure; those about the active
 * workspace are workspaceProcedure(role), reading only through its id.
 */
export const workspacesRouter = createTRPCRouter({
  /** The user's workspaces: personal first, then teams, with their role and which is active. */
  listMine: protectedProcedure.query(({ ctx }) => listMyWorkspaces(ctx.db, ctx.user.id, ctx.workspace)),
  /** The workspace this session acts in. */
  active: protectedProcedure.query(({ ctx }) => ctx.workspace),
  /** Creates a team with the user as its owner. */
  createTeam: protectedProcedure.input(createTeamInput).mutation(({ ctx, input }) => createTeam(ctx.db, ctx.user.id, input.name)),
  /** Makes one of the user's workspaces this session's active one (NOT_FOUND for any other). */
  switchTo: protectedProcedure
    .input(switchWorkspaceInput)
    .mutation(({ ctx, input }) => switchWorkspace(ctx.db, { userId: ctx.user.id, sessionId: ctx.user.sessionId, workspaceId: input.workspaceId })),
  /** The active workspace with its name and settings (the team page, the switcher's label). */
  activeView: protectedProcedure.query(({ ctx }) => activeWorkspaceView(ctx.db, ctx.workspace)),
  /** An invitation as its addressee sees it before accepting (NOT_FOUND for anyone else). */
  invitation: protectedProcedure.input(invitationTokenInput).query(({ ctx, input }) => previewInvitation(ctx.db, ctx.user.id, input.token)),
  /** Accepts an invitation mailed to the user's verified address. */
  acceptInvitation: protectedProcedure.input(invitationTokenInput).mutation(({ ctx, input }) => acceptInvitation(ctx.db, ctx.user.id, input.token)),

  /** Renames the active team. */
  rename: workspaceProcedure("ADMIN").input(renameTeamInput).mutation(({ ctx, input }) => renameTeam(ctx.db, memberActing(ctx), input.name)),
  /** Whether the team's members may read its statement. */
  setStatementVisibility: workspaceProcedure("OWNER")
    .input(statementVisibilityInput)
    .mutation(({ ctx, input }) => setMembersSeeStatement(ctx.db, memberActing(ctx), input.membersSeeStatement)),
  /** The active workspace's members. */
  members: workspaceProcedure("MEMBER").query(({ ctx }) => listMembers(ctx.db, ctx.workspace)),
  /** Changes a member's role (OWNER: any; ADMIN: MEMBER ↔ ADMIN of non-owners). */
  changeRole: workspaceProcedure("ADMIN").input(changeRoleInput).mutation(({ ctx, input }) => changeRole(ctx.db, memberActing(ctx), input)),
  /** Removes a member (ADMIN: not owners). */
  removeMember: workspaceProcedure("ADMIN").input(removeMemberInput).mutation(({ ctx, input }) => removeMember(ctx.db, memberActing(ctx), input.userId)),
  /** Deletes the active team, confirmed by its name; its books stay (OWNER). */
  deleteTeam: workspaceProcedure("OWNER").input(deleteTeamInput).mutation(({ ctx, input }) => deleteTeam(ctx.db, memberActing(ctx), input.name)),
  /** Leaves the active team (the last owner cannot). */
  leave: workspaceProcedure("MEMBER").mutation(({ ctx }) => leaveTeam(ctx.db, memberActing(ctx))),
  /** Invites an address to the active team by mail (ADMIN: members; OWNER: admins too). */
  invite: workspaceProcedure("ADMIN").input(inviteInput).mutation(({ ctx, input }) => inviteMember(ctx.db, memberActing(ctx), input)),
  /** The active team's pending invitations. */
  invitations: workspaceProcedure("ADMIN").query(({ ctx }) => listPendingInvitations(ctx.db, memberActing(ctx))),
  /** Revokes a pending invitation of the active team. */
  revokeInvitation: workspaceProcedure("ADMIN")
    .input(invitationIdInput)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, memberActing(ctx), input.invitationId)),
});
