import { statementFilterInput } from "~/shared/statement-filter";
import { ledgerPageInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, workspaceProcedure } from "~/server/trpc/procedures";
import { assertCanSeeStatement } from "~/server/workspaces/teams";
import { getCreditSummary, getLedgerPage } from "~/server/wallet/statement";
import { getWallet } from "~/server/wallet/wallet";

/** The active workspace's balance (every member) and statement (OWNER, ADMIN, and MEMBER where the team allows it: SPEC §9). */
export const creditsRouter = createTRPCRouter({
  /** Available and reserved credits of the signed-in user. */
  summary: workspaceProcedure("MEMBER").query(({ ctx }) => getCreditSummary(ctx.db, ctx.workspace.id)),
  /** The signed-in user's grants: live ones in spending order, scheduled, recently closed. */
  wallet: workspaceProcedure("MEMBER").query(async ({ ctx }) => {
    await assertCanSeeStatement(ctx.db, ctx.workspace);
    return getWallet(ctx.db, ctx.workspace.id);
  }),
  /** The signed-in user's ledger, newest first, filtered by date range (UTC days) and kinds. */
  ledger: workspaceProcedure("MEMBER")
    .input(ledgerPageInput.and(statementFilterInput))
    .query(async ({ ctx, input }) => {
      await assertCanSeeStatement(ctx.db, ctx.workspace);
      return getLedgerPage(ctx.db, ctx.workspace.id, input);
    }),
});
