import { statementFilterInput } from "~/shared/statement-filter";
import { ledgerPageInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, protectedProcedure } from "~/server/trpc/procedures";
import { getCreditSummary, getLedgerPage } from "~/server/wallet/statement";
import { getWallet } from "~/server/wallet/wallet";

export const creditsRouter = createTRPCRouter({
  /** Available and reserved credits of the signed-in user. */
  summary: protectedProcedure.query(({ ctx }) => getCreditSummary(ctx.db, ctx.workspace.id)),
  /** The signed-in user's grants: live ones in spending order, scheduled, recently closed. */
  wallet: protectedProcedure.query(({ ctx }) => getWallet(ctx.db, ctx.workspace.id)),
  /** The signed-in user's ledger, newest first, filtered by date range (UTC days) and kinds. */
  ledger: protectedProcedure
    .input(ledgerPageInput.and(statementFilterInput))
    .query(({ ctx, input }) => getLedgerPage(ctx.db, ctx.workspace.id, input)),
});
