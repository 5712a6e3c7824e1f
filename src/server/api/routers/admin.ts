import { z } from "zod";

import { adjustCreditsInput, pageLimit } from "~/server/api/schemas";
import { adminProcedure, createTRPCRouter } from "~/server/api/trpc";
import { adjustCredits } from "~/server/admin/adjust-credits";
import { getAdminStats } from "~/server/admin/stats";
import { listUsers } from "~/server/admin/users";

const hourMs = 3_600_000;

export const adminRouter = createTRPCRouter({
  /** KPIs over the last `hours`. */
  stats: adminProcedure
    .input(z.object({ hours: z.number().int().min(1).max(24 * 366).default(24) }))
    .query(({ ctx, input }) => getAdminStats(ctx.db, new Date(Date.now() - input.hours * hourMs))),
  /** Users with balances, searchable by email or name. */
  users: adminProcedure
    .input(z.object({ query: z.string().max(200).optional(), cursor: z.string().max(64).optional(), limit: pageLimit }))
    .query(({ ctx, input }) => listUsers(ctx.db, input)),
  /** Grant (positive) or deduct (negative) credits, once per idempotency key, audited. */
  adjustCredits: adminProcedure
    .input(adjustCreditsInput)
    .mutation(async ({ ctx, input }) => {
      const { entry, replayed } = await adjustCredits(ctx.db, { ...input, adminId: ctx.user.id });
      return { replayed, entry: { ...entry, id: entry.id.toString() } };
    }),
});
