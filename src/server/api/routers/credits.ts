import { ledgerPageInput } from "~/server/api/schemas";
import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { getCreditSummary, getLedgerPage } from "~/server/ledger/statement";

export const creditsRouter = createTRPCRouter({
  /** Available and reserved credits of the signed-in user. */
  summary: protectedProcedure.query(({ ctx }) => getCreditSummary(ctx.db, ctx.user.id)),
  /** The signed-in user's ledger, newest first. */
  ledger: protectedProcedure
    .input(ledgerPageInput)
    .query(({ ctx, input }) => getLedgerPage(ctx.db, ctx.user.id, input)),
});
