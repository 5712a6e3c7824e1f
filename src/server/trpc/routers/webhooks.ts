import { z } from "zod";

import { createTRPCRouter, workspaceProcedure } from "~/server/trpc/procedures";
import { webhookEventTypes } from "~/shared/webhook-events";
import { webhookUrlMaxChars } from "~/server/webhooks/address-guard";
import { webhooksConfigFromEnv } from "~/server/webhooks/config";
import {
  createEndpoint,
  deleteEndpoint,
  listDeliveries,
  listEndpoints,
  resendDelivery,
  rotateSecret,
  setEndpointEnabled,
  setLowBalanceThreshold,
} from "~/server/webhooks/endpoints";

const endpointId = z.object({ endpointId: z.string().uuid() });

/** The SSRF rule of this deployment (WEBHOOKS_ALLOW_PRIVATE): the one the workers' deliveries apply too. */
const guard = () => ({ allowPrivate: webhooksConfigFromEnv().allowPrivate });

/** The signed-in user's webhook endpoints (SPEC §8); another user's are NOT_FOUND. */
export const webhooksRouter = createTRPCRouter({
  /** Endpoints (without secrets, each with why deliveries to it would be refused), the target rule and the credits.low threshold. */
  list: workspaceProcedure("ADMIN").query(({ ctx }) => listEndpoints(ctx.db, ctx.workspace.id, guard())),
  /** Registers an endpoint after the SSRF check; returns its secret, this once. */
  create: workspaceProcedure("ADMIN")
    .input(
      z.object({
        url: z.string().trim().min(1, "Enter the URL of your endpoint.").max(webhookUrlMaxChars),
        events: z.array(z.enum(webhookEventTypes)).min(1, "Pick at least one event.").max(webhookEventTypes.length),
      }),
    )
    .mutation(({ ctx, input }) => createEndpoint(ctx.db, ctx.workspace.id, input, guard())),
  /** A new secret, returned this once; the previous one keeps signing for a day. */
  rotateSecret: workspaceProcedure("ADMIN").input(endpointId).mutation(({ ctx, input }) => rotateSecret(ctx.db, ctx.workspace.id, input.endpointId)),
  setEnabled: workspaceProcedure("ADMIN")
    .input(endpointId.extend({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setEndpointEnabled(ctx.db, ctx.workspace.id, input.endpointId, input.enabled)),
  delete: workspaceProcedure("ADMIN").input(endpointId).mutation(({ ctx, input }) => deleteEndpoint(ctx.db, ctx.workspace.id, input.endpointId)),
  /** The newest deliveries to one endpoint. */
  deliveries: workspaceProcedure("ADMIN").input(endpointId).query(({ ctx, input }) => listDeliveries(ctx.db, ctx.workspace.id, input.endpointId)),
  /** The same event again (same webhook-id), as a new delivery. */
  resend: workspaceProcedure("ADMIN")
    .input(z.object({ deliveryId: z.string().uuid() }))
    .mutation(({ ctx, input }) => resendDelivery(ctx.db, ctx.workspace.id, input.deliveryId)),
  /** credits.low fires when a debit takes the balance below this (null: the default, 20). */
  setLowBalanceThreshold: workspaceProcedure("ADMIN")
    .input(z.object({ threshold: z.number().int().min(1, "Use at least 1 credit.").max(1_000_000_000).nullable() }))
    .mutation(({ ctx, input }) => setLowBalanceThreshold(ctx.db, ctx.workspace.id, input.threshold)),
});
