import { createTRPCRouter, protectedProcedure, publicProcedure } from "~/server/api/trpc";
import { getStatementTotals } from "~/server/account/statement-totals";

export const accountRouter = createTRPCRouter({
  /** Who is signed in (null when nobody is): what the header needs, role included. */
  me: publicProcedure.query(({ ctx }) =>
    ctx.user ? { id: ctx.user.id, email: ctx.user.email, name: ctx.user.name, role: ctx.user.role } : null,
  ),
  /** Totals of the signed-in user's ledger per kind (the statement's summary). */
  totals: protectedProcedure.query(({ ctx }) => getStatementTotals(ctx.db, ctx.user.id)),
});
