import { accountRouter } from "~/server/api/routers/account";
import { adminRouter } from "~/server/api/routers/admin";
import { billingRouter } from "~/server/api/routers/billing";
import { apiKeysRouter } from "~/server/api/routers/api-keys";
import { catalogRouter } from "~/server/api/routers/catalog";
import { checkoutRouter } from "~/server/api/routers/checkout";
import { creditsRouter } from "~/server/api/routers/credits";
import { jobsRouter } from "~/server/api/routers/jobs";
import { webhooksRouter } from "~/server/api/routers/webhooks";
import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";

export const appRouter = createTRPCRouter({
  catalog: catalogRouter,
  credits: creditsRouter,
  jobs: jobsRouter,
  admin: adminRouter,
  account: accountRouter,
  checkout: checkoutRouter,
  webhooks: webhooksRouter,
  billing: billingRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures without HTTP (server components, tests). */
export const createCaller = createCallerFactory(appRouter);
