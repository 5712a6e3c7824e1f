/**
 * Starts the app for the e2e run: a fresh embedded PostgreSQL in
 * .data/e2e (wiped first), a production build, short sandbox latency and a
 * known cron secret, on port E2E_PORT; and a real SMTP server (smtp-server,
 * on a free loopback port) that the app mails through SMTP_URL, writing each
 * mail it receives into .data/e2e/inbox/ for the tests (e2e/fixtures/mail.ts).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { startMailCatcher } from "../tests/fixtures/mail-catcher";
import { seededAdmin } from "./fixtures/admin";
import { e2eInboxDir } from "./fixtures/mail";

const port = process.env.E2E_PORT ?? "3100";
const dataDir = ".data/e2e";
await stopLeftoverServer(path.join(dataDir, "pg"));
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(e2eInboxDir, { recursive: true });

let received = 0;
const smtp = await startMailCatcher({
  onMail: (mail) => {
    received += 1;
    writeFileSync(path.join(e2eInboxDir, `${String(received).padStart(6, "0")}.json`), JSON.stringify(mail));
  },
});

const env: NodeJS.ProcessEnv = {
  ...process.env,
  CREDITWORKS_DATA_DIR: dataDir,
  EMBEDDED_PG_PORT: process.env.E2E_PG_PORT ?? "54339",
  PORT: port,
  // The client-address proxy (e2e/fixtures/client-address.ts) connects to
  // IPv4 loopback: name it rather than trust what "localhost" resolves to.
  HOSTNAME: "127.0.0.1",
  APP_URL: `http://localhost:${port}`,
  CRON_SECRET: "e2e-cron-secret-0123456789",
  METRICS_TOKEN: "e2e-metrics-token-0123456789",
  SANDBOX_LATENCY_MS: process.env.SANDBOX_LATENCY_MS ?? "600",
  SIGNUP_CREDITS: "100",
  ADMIN_EMAIL: seededAdmin.email,
  ADMIN_PASSWORD: seededAdmin.password,
  SMTP_URL: smtp.url,
  MAIL_FROM: "Creditworks <no-reply@creditworks.test>",
  NODE_ENV: "production",
  // The webhooks spec's receiver listens on 127.0.0.1.
  WEBHOOKS_ALLOW_PRIVATE: "true",
  // Keep the test output readable: the server logs warnings and errors only.
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};
delete env.DATABASE_URL;

const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/launch.ts", "start", "--rebuild"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
/** How long the SMTP server may take to close its connections when the app exits, in milliseconds. */
const smtpStopMs = 1_000;
child.on("exit", (code) => {
  void Promise.race([smtp.stop(), new Promise((resolve) => setTimeout(resolve, smtpStopMs))]).finally(() => process.exit(code ?? 0));
});

/**
 * A server an earlier run left behind on this data directory (its launcher
 * was killed) would hold the port: stop it before the directory is wiped.
 */
async function stopLeftoverServer(pgDir: string): Promise<void> {
  const lock = path.join(pgDir, "postmaster.pid");
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, "utf8").split("\n")[0]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !alive()) return;
  process.kill(pid, "SIGQUIT");
  for (let waited = 0; alive() && waited < 5_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}
