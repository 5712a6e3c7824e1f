import { z } from "zod";

import { apiKeyId, createApiKeyInput } from "~/shared/schemas/jobs";
import { createTRPCRouter, workspaceProcedure } from "~/server/trpc/procedures";
import { createApiKey, listApiKeys, revokeApiKey } from "~/server/api-keys/keys";

/**
 * The active workspace's developer API keys (ADMIN and OWNER, SPEC §9); a
 * key acts as the member who created it. Session only: an API key never
 * authenticates tRPC (the context reads cookies, not `Authorization`).
 */
export const apiKeysRouter = createTRPCRouter({
  /** Creates a key; the answer holds its secret, shown this once. */
  create: workspaceProcedure("ADMIN")
    .input(createApiKeyInput)
    .mutation(({ ctx, input }) => createApiKey(ctx.db, ctx.workspace.id, input, ctx.user.id)),
  /** The user's keys (prefix, scopes, created, last used, revoked), newest first. */
  list: workspaceProcedure("ADMIN").query(({ ctx }) => listApiKeys(ctx.db, ctx.workspace.id)),
  /** Revokes a key of the user's, effective on its next request. */
  revoke: workspaceProcedure("ADMIN")
    .input(z.object({ id: apiKeyId }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx.workspace.id, input.id)),
});
