import { accountRouter } from "~/server/trpc/routers/account";
import { adminRouter } from "~/server/trpc/routers/admin";
import { billingRouter } from "~/server/trpc/routers/billing";
import { budgetsRouter } from "~/server/trpc/routers/budgets";
import { apiKeysRouter } from "~/server/trpc/routers/api-keys";
import { catalogRouter } from "~/server/trpc/routers/catalog";
import { checkoutRouter } from "~/server/trpc/routers/checkout";
import { creditsRouter } from "~/server/trpc/routers/credits";
import { jobsRouter } from "~/server/trpc/routers/jobs";
import { webhooksRouter } from "~/server/trpc/routers/webhooks";
import { workspacesRouter } from "~/server/trpc/routers/workspaces";
import { createCallerFactory, createTRPCRouter } from "~/server/trpc/procedures";

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
  budgets: budgetsRouter,
  workspaces: workspacesRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures without HTTP (server components, tests). */
export const createCaller = createCallerFactory(appRouter);
