import { z } from "zod";

import { apiKeyId, createApiKeyInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, protectedProcedure } from "~/server/trpc/procedures";
import { createApiKey, listApiKeys, revokeApiKey } from "~/server/api-keys/keys";

/**
 * The signed-in user's developer API keys. Session only: an API key never
 * authenticates tRPC (the context reads cookies, not `Authorization`).
 */
export const apiKeysRouter = createTRPCRouter({
  /** Creates a key; the answer holds its secret, shown this once. */
  create: protectedProcedure
    .input(createApiKeyInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.db, ctx.workspace.id, input)),
  /** The user's keys (prefix, scopes, created, last used, revoked), newest first. */
  list: protectedProcedure.query(({ ctx }) => listApiKeys(ctx.db, ctx.workspace.id)),
  /** Revokes a key of the user's, effective on its next request. */
  revoke: protectedProcedure
    .input(z.object({ id: apiKeyId }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx.workspace.id, input.id)),
});
