/**
 * Starts the app for the e2e run: a fresh embedded PostgreSQL in
 * .data/e2e (wiped first), a production build, short sandbox latency and a
 * known cron secret, on port E2E_PORT.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";

const port = process.env.E2E_PORT ?? "3100";
const dataDir = ".data/e2e";
rmSync(dataDir, { recursive: true, force: true });

const env: NodeJS.ProcessEnv = {
  ...process.env,
  CREDITWORKS_DATA_DIR: dataDir,
  EMBEDDED_PG_PORT: process.env.E2E_PG_PORT ?? "54339",
  PORT: port,
  APP_URL: `http://localhost:${port}`,
  CRON_SECRET: "e2e-cron-secret-0123456789",
  METRICS_TOKEN: "e2e-metrics-token-0123456789",
  SANDBOX_LATENCY_MS: process.env.SANDBOX_LATENCY_MS ?? "600",
  SIGNUP_CREDITS: "100",
  NODE_ENV: "production",
  // Keep the test output readable: the server logs warnings and errors only.
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};
delete env.DATABASE_URL;

const child = spawn(process.execPath, ["--import", "tsx", "scripts/launch.ts", "start", "--rebuild"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
