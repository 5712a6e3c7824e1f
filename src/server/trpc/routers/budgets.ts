import { removeBudgetInput, setBudgetInput } from "~/shared/schemas/budgets";
import { createTRPCRouter, workspaceProcedure } from "~/server/trpc/procedures";
import { listBudgets, removeBudget, setBudget } from "~/server/budgets/budgets";
import { actingOf } from "~/server/workspaces/active-workspace";

/**
 * The signed-in user's budgets (SPEC §9): a monthly or total limit on the
 * whole account or on one API key. Another user's budget or key is NOT_FOUND.
 */
export const budgetsRouter = createTRPCRouter({
  /** The account's budget, its keys' budgets (spent this period, resets at) and the live keys without one. */
  list: workspaceProcedure("ADMIN").query(({ ctx }) => listBudgets(ctx.db, ctx.workspace.id)),
  /** Creates or changes a budget; a limit below this period's spending is VALIDATION_ERROR on limitCredits. */
  set: workspaceProcedure("ADMIN").input(setBudgetInput).mutation(({ ctx, input }) => setBudget(ctx.db, actingOf(ctx), input)),
  /** Removes a budget; what was spent against it stays in its history. */
  remove: workspaceProcedure("ADMIN")
    .input(removeBudgetInput)
    .mutation(({ ctx, input }) => removeBudget(ctx.db, actingOf(ctx), input.budgetId)),
});
