import { adminRouter } from "~/server/api/routers/admin";
import { catalogRouter } from "~/server/api/routers/catalog";
import { creditsRouter } from "~/server/api/routers/credits";
import { jobsRouter } from "~/server/api/routers/jobs";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  credits: creditsRouter,
  jobs: jobsRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures without HTTP (server components, tests). */
export const createCaller = createCallerFactory(appRouter);
