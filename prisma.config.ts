import path from "node:path";
import { defineConfig } from "prisma/config";

// The native schema engine cannot be downloaded here (and is not needed):
// `prisma generate` works without it, migrations are applied by our own
// runner (scripts/db/migrate.ts, plain pg), and `npm run db:diff` uses the
// WebAssembly schema engine.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= "/bin/false";
process.env.PRISMA_HIDE_UPDATE_MESSAGE ??= "1";

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/creditworks" },
});
