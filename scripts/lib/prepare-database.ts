import { runMigrations } from "graphile-worker";

import { migrate } from "../db/migrate";

/**
 * Brings a database to the current schema: our migrations (recorded in
 * `_prisma_migrations`) and graphile-worker's own schema. Safe to run from
 * several processes at once: both take advisory locks.
 */
export async function prepareDatabase(databaseUrl: string, log: (message: string) => void = () => {}) {
  const { applied } = await migrate(databaseUrl, { log });
  await runMigrations({ connectionString: databaseUrl, logger: undefined });
  return { applied };
}
