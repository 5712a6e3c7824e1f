import { z } from "zod";

import { createTRPCRouter, publicProcedure, workspaceProcedure } from "~/server/trpc/procedures";
import { actingOf } from "~/server/workspaces/active-workspace";
import { confirmCheckout, getCheckoutForUser, openCheckout, payCheckout } from "~/server/payments/checkout";
import { defaultPaymentProvider } from "~/server/payments";
import { creditPacks } from "~/server/payments/packs";
import { getReceipt } from "~/server/payments/receipts";
import { sandboxTestCards } from "~/server/payments/sandbox";
import { cardInput, checkoutId, confirmationInput } from "~/shared/schemas/payments";

export const checkoutRouter = createTRPCRouter({
  /** The credit packs on sale, the sandbox's documented test cards and who takes the payment. */
  packs: publicProcedure.query(() => ({ packs: creditPacks, testCards: sandboxTestCards, provider: defaultPaymentProvider().id })),
  /** Opens a checkout for a pack (prices frozen on it); a hosted provider's page comes back as `redirectUrl`. */
  open: workspaceProcedure("OWNER")
    .input(z.object({ packId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => openCheckout(ctx.db, actingOf(ctx), input.packId)),
  /** One of the user's checkouts. */
  get: workspaceProcedure("OWNER")
    .input(z.object({ id: checkoutId }))
    .query(({ ctx, input }) => getCheckoutForUser(ctx.db, ctx.workspace.id, input.id)),
  /** Pays a checkout with a card (saving it when asked); when paid, grants its credits once. */
  pay: workspaceProcedure("OWNER")
    .input(z.object({ checkoutId, card: cardInput, saveCard: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => payCheckout(ctx.db, ctx.workspace.id, input.checkoutId, input.card, { saveCard: input.saveCard })),
  /** Applies a provider confirmation (e.g. the browser's return); a repeat is a replay. */
  confirm: workspaceProcedure("OWNER")
    .input(confirmationInput)
    .mutation(({ ctx, input }) => confirmCheckout(ctx.db, input, { ownerId: ctx.workspace.id })),
  /** The receipt of one of the user's paid checkouts. */
  receipt: workspaceProcedure("OWNER")
    .input(z.object({ id: checkoutId }))
    .query(({ ctx, input }) => getReceipt(ctx.db, ctx.workspace.id, input.id)),
});
