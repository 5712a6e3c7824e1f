import { z } from "zod";

import { createTRPCRouter, protectedProcedure, publicProcedure } from "~/server/trpc/procedures";
import { deleteAccount } from "~/server/account/delete-account";
import { getProfile } from "~/server/account/profile";
import { getStatementTotals } from "~/server/account/statement-totals";
import { checkPasswordHash } from "~/server/auth/password-check";

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
  totals: protectedProcedure.query(({ ctx }) => getStatementTotals(ctx.db, ctx.user.id)),
  /** Deletes the signed-in account (password required): personal data goes, the books stay. */
  delete: protectedProcedure
    .input(z.object({ password: z.string().min(1, "Enter your password.").max(passwordMaxChars) }))
    .mutation(({ ctx, input }) => deleteAccount(ctx.db, ctx.user.id, input.password, checkPasswordHash)),
});
