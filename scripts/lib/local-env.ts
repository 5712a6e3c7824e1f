import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { ensureDatabase, startEmbeddedPostgres, type EmbeddedServer } from "./embedded-postgres";

export const dataDir = path.resolve(process.env.CREDITWORKS_DATA_DIR ?? ".data");
const embeddedPort = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
const databaseName = "creditworks";

type LocalSecrets = { BETTER_AUTH_SECRET: string; CRON_SECRET: string; METRICS_TOKEN: string };

/**
 * Secrets for the zero-setup local run only: generated once into
 * .data/secrets.json (never committed) and used when the environment does
 * not name its own. With DATABASE_URL set, nothing is generated: a real
 * deployment must configure its secrets.
 */
function localSecrets(): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  const secret = () => randomBytes(32).toString("base64url");
  const secrets = { BETTER_AUTH_SECRET: secret(), CRON_SECRET: secret(), METRICS_TOKEN: secret() };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * Makes `process.env` complete for a local run: loads .env if present; with
 * DATABASE_URL unset, starts the embedded PostgreSQL in .data/ and fills in
 * local secrets and the mail outbox. Nothing that changes what the app
 * allows is defaulted here, only in src/env.js, so a process started with
 * DATABASE_URL behaves as this one. Returns the embedded server (to stop on
 * exit) or null.
 */
export async function resolveLocalEnvironment(log: (message: string) => void): Promise<EmbeddedServer | null> {
  if (existsSync(".env")) process.loadEnvFile(".env");
  if (process.env.DATABASE_URL) return null;
  const server = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), port: embeddedPort, log });
  await ensureDatabase(server.url("postgres"), databaseName);
  process.env.DATABASE_URL = server.url(databaseName);
  for (const [name, value] of Object.entries(localSecrets())) process.env[name] ??= value;
  // No SMTP on a zero-setup machine: account mails (verification, password
  // reset) go to .data/mail, listed on /dev/outbox by `npm run dev` and in
  // the terminal by `npm start` (a production server never serves that page).
  if (!process.env.SMTP_URL) process.env.MAIL_OUTBOX_DIR ??= path.join(dataDir, "mail");
  // WEBHOOKS_ALLOW_PRIVATE is NOT defaulted here: a worker started apart
  // (`DATABASE_URL=… npm run worker`) never comes through this branch, and
  // would refuse at delivery the private endpoints this process accepted.
  // It has one default for every process (false, src/env.js); a local run
  // whose receiver is on this machine sets it in .env, which every command
  // of the launcher reads alike.
  log(`Embedded PostgreSQL on 127.0.0.1:${server.port} (data in ${path.relative(process.cwd(), dataDir)}/pg)`);
  return server;
}
