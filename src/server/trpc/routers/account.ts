import { z } from "zod";

import { createTRPCRouter, protectedProcedure, publicProcedure, workspaceProcedure } from "~/server/trpc/procedures";
import { assertCanSeeStatement } from "~/server/workspaces/teams";
import { accountDeletionPreview, deleteAccount } from "~/server/account/delete-account";
import { previewEmailChangeUndo, undoEmailChange } from "~/server/account/email-change-undo";
import { getProfile } from "~/server/account/profile";
import { getStatementTotals } from "~/server/account/statement-totals";
import { checkPasswordHash } from "~/server/auth/password-check";
import { emailChangeUndoInput } from "~/shared/schemas/account";

/** better-auth refuses longer passwords; the same bound here keeps hashing cheap. */
const passwordMaxChars = 128;

export const accountRouter = createTRPCRouter({
  /** Who is signed in (null when nobody is): what the header needs, role included. */
  me: publicProcedure.query(({ ctx }) =>
    ctx.user ? { id: ctx.user.id, email: ctx.user.email, name: ctx.user.name, role: ctx.user.role } : null,
  ),
  /** The signed-in user's profile: name, email, whether it is verified. */
  profile: protectedProcedure.query(({ ctx }) => getProfile(ctx.db, ctx.user.id)),
  /** Totals of the signed-in user's ledger per kind (the statement's summary). */
  totals: workspaceProcedure("MEMBER").query(async ({ ctx }) => {
    await assertCanSeeStatement(ctx.db, ctx.workspace);
    return getStatementTotals(ctx.db, ctx.workspace.id);
  }),
  /** What deleting the account would lose (the personal wallet's credits) and which teams block it (last owner). */
  deletionPreview: protectedProcedure.query(({ ctx }) => accountDeletionPreview(ctx.db, ctx.user.id)),
  /** Deletes the signed-in account (password required): personal data goes, the books stay. */
  delete: protectedProcedure
    .input(z.object({ password: z.string().min(1, "Enter your password.").max(passwordMaxChars) }))
    .mutation(({ ctx, input }) => deleteAccount(ctx.db, ctx.user.id, input.password, checkPasswordHash)),
  /**
   * Follows the undo link mailed to the old address after an email change:
   * no session needed (the link's token is the proof), and it signs every
   * session of the account out.
   */
  /** What an email-change undo link would do (the page shows it before the click). */
  emailChangeUndo: publicProcedure.input(emailChangeUndoInput).query(({ ctx, input }) => previewEmailChangeUndo(ctx.db, input.token)),
  undoEmailChange: publicProcedure.input(emailChangeUndoInput).mutation(({ ctx, input }) => undoEmailChange(ctx.db, input.token)),
});
