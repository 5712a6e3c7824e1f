import { z } from "zod";

import { createTRPCRouter, workspaceProcedure } from "~/server/trpc/procedures";
import { getAutoTopup, updateAutoTopup } from "~/server/payments/auto-topup";
import { removePaymentMethod, savePaymentMethod } from "~/server/payments/payment-methods";
import { autoTopupInput, cardInput, paymentMethodId } from "~/shared/schemas/payments";

export const billingRouter = createTRPCRouter({
  /** Auto top-up setting, saved cards and recent top-ups of the signed-in user. */
  autoTopup: workspaceProcedure("OWNER").query(({ ctx }) => getAutoTopup(ctx.db, ctx.workspace.id)),
  /** Turns auto top-up on or off with a threshold, a pack and a saved card. */
  updateAutoTopup: workspaceProcedure("OWNER")
    .input(autoTopupInput)
    .mutation(({ ctx, input }) => updateAutoTopup(ctx.db, ctx.workspace.id, input)),
  /** Saves a card (brand, last four, expiry and a provider token only). */
  saveCard: workspaceProcedure("OWNER")
    .input(z.object({ card: cardInput }))
    .mutation(({ ctx, input }) => savePaymentMethod(ctx.db, ctx.workspace.id, input.card)),
  /** Removes a saved card; an auto top-up that used it is turned off. */
  removeCard: workspaceProcedure("OWNER")
    .input(z.object({ id: paymentMethodId }))
    .mutation(({ ctx, input }) => removePaymentMethod(ctx.db, ctx.workspace.id, input.id)),
});
