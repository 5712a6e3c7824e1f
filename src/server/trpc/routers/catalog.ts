import { catalog } from "~/server/catalog";
import { createTRPCRouter, publicProcedure } from "~/server/trpc/procedures";

export const catalogRouter = createTRPCRouter({
  /** The models users can pick, with their price per output. */
  list: publicProcedure.query(() => catalog),
});
