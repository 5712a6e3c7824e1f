import { statementFilterInput } from "~/lib/statement-filter";
import { ledgerPageInput } from "~/server/api/schemas";
import { createTRPCRouter, protectedProcedure } from "~/server/api/trpc";
import { getCreditSummary, getLedgerPage } from "~/server/ledger/statement";
import { getWallet } from "~/server/ledger/wallet";

export const creditsRouter = createTRPCRouter({
  /** Available and reserved credits of the signed-in user. */
  summary: protectedProcedure.query(({ ctx }) => getCreditSummary(ctx.db, ctx.user.id)),
  /** The signed-in user's grants: live ones in spending order, scheduled, recently closed. */
  wallet: protectedProcedure.query(({ ctx }) => getWallet(ctx.db, ctx.user.id)),
  /** The signed-in user's ledger, newest first, filtered by date range (UTC days) and kinds. */
  ledger: protectedProcedure
    .input(ledgerPageInput.and(statementFilterInput))
    .query(({ ctx, input }) => getLedgerPage(ctx.db, ctx.user.id, input)),
});
