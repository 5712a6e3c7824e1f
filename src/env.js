// @ts-check
/**
 * The validated environment. Every setting is read here once; a bad value
 * stops the process (and `next build`, which imports this file) with a clear
 * message. Secrets have no defaults: the launcher (scripts/launch.ts)
 * generates local ones for the embedded development database only.
 */
import { z } from "zod";

const intInRange = (/** @type {number} */ min, /** @type {number} */ max, /** @type {number} */ fallback) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const booleanFlag = (/** @type {boolean} */ fallback) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true" || value === "1");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.string().url().startsWith("postgres", "DATABASE_URL must be a postgres:// URL"),
  DATABASE_POOL_MAX: intInRange(1, 200, 8),
  DATABASE_CONNECT_TIMEOUT_MS: intInRange(100, 120_000, 5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: intInRange(100, 3_600_000, 10_000),
  DATABASE_QUERY_TIMEOUT_MS: intInRange(100, 3_600_000, 12_000),
  DATABASE_LOCK_TIMEOUT_MS: intInRange(100, 600_000, 5_000),
  DATABASE_IDLE_TX_TIMEOUT_MS: intInRange(100, 3_600_000, 15_000),
  DATABASE_RETRY_BUDGET_MS: intInRange(0, 600_000, 10_000),
  /**
   * Signs sessions (and the sandbox's payment confirmations): required by
   * the web process (see `requireAuthSecret`); a worker process needs it
   * only to pay auto top-ups through the sandbox provider.
   */
  BETTER_AUTH_SECRET: z.string().min(32, "BETTER_AUTH_SECRET must be at least 32 characters").optional(),
  PORT: intInRange(1, 65_535, 3000),
  /** Unset: http://localhost:$PORT (see parseEnv), so a local run on another port still passes the origin checks. */
  APP_URL: z.string().url().optional(),
  /**
   * Whether a reverse proxy we trust sits in front of the app and appends
   * the client address to X-Forwarded-For. Off: forwarding headers are
   * client-controlled and ignored; the socket address is the client.
   */
  TRUST_PROXY: booleanFlag(false),
  CRON_SECRET: z.string().min(16, "CRON_SECRET must be at least 16 characters").optional(),
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  SIGNUP_CREDITS: intInRange(0, 1_000_000, 100),
  /** Welcome credits are promotional and expire this many days after sign-up; 0 = never. */
  SIGNUP_CREDITS_EXPIRE_DAYS: intInRange(0, 3_650, 30),
  MAX_ACTIVE_JOBS: intInRange(1, 10_000, 5),
  RATE_LIMIT_PER_MINUTE: intInRange(1, 100_000, 10),
  MAX_ATTEMPTS: intInRange(1, 20, 3),
  LEASE_MS: intInRange(1_000, 600_000, 15_000),
  JOB_TIMEOUT_MS: intInRange(1_000, 3_600_000, 120_000),
  CLEANUP_BATCH_MAX: intInRange(1, 10_000, 500),
  CLEANUP_PASS_MS: intInRange(0, 600_000, 5_000),
  CLEANUP_INTERVAL_MS: intInRange(100, 3_600_000, 60_000),
  WORKER_CONCURRENCY: intInRange(1, 256, 4),
  WORKERS_IN_WEB: booleanFlag(true),
  // A worker process (`npm run worker`) serves its own metrics on this port
  // (GET /metrics, Bearer METRICS_TOKEN); unset: not served.
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  PROVIDER: z.enum(["sandbox", "openai-compatible"]).default("sandbox"),
  SANDBOX_LATENCY_MS: intInRange(0, 60_000, 700),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_TEXT_MODEL: z.string().default("gpt-4o-mini"),
  OPENAI_IMAGE_MODEL: z.string().default("gpt-image-1"),
  PROVIDER_TIMEOUT_MS: intInRange(100, 600_000, 60_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  CREDITWORKS_DATA_DIR: z.string().min(1).default(".data"),
  SMTP_URL: z
    .string()
    .url()
    .refine((value) => /^smtps?:\/\//.test(value), "SMTP_URL must be an smtp:// or smtps:// URL")
    .optional(),
  MAIL_FROM: z.string().min(3).default("Creditworks <no-reply@creditworks.dev>"),
  MAIL_OUTBOX_DIR: z.string().min(1).optional(),
  // Webhooks (docs/api.md, "The SSRF rule"): private, loopback and
  // link-local targets and http: are refused unless this is true (tests and
  // local runs whose receiver is on the same machine). One default for every
  // process: the web process that registers an endpoint and the worker that
  // delivers to it read this same setting (src/server/webhooks/config.ts).
  WEBHOOKS_ALLOW_PRIVATE: booleanFlag(false),
  WEBHOOKS_TIMEOUT_MS: intInRange(100, 120_000, 10_000),
  // Delays between attempts, in ms; the last one repeats until the window ends.
  WEBHOOKS_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, "WEBHOOKS_RETRY_SCHEDULE_MS must be a comma-separated list of milliseconds")
    .default("5000,30000,120000,600000,1800000,3600000,7200000,14400000"),
  WEBHOOKS_RETRY_WINDOW_MS: intInRange(1_000, 30 * 24 * 3_600_000, 24 * 3_600_000),
  /** Who takes the money for new checkouts: the offline sandbox or Stripe Checkout. */
  PAYMENT_PROVIDER: z.enum(["sandbox", "stripe"]).default("sandbox"),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, "STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_…)").optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, "STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)").optional(),
});

/** @typedef {Omit<z.infer<typeof envSchema>, "APP_URL"> & { APP_URL: string }} Env */

/**
 * Parses an environment object; throws one readable error listing every bad
 * variable.
 * @param {Record<string, string | undefined>} source
 * @returns {Env}
 */
export function parseEnv(source) {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  if (result.data.PROVIDER === "openai-compatible" && !result.data.OPENAI_BASE_URL) {
    throw new Error("Invalid environment:\n  OPENAI_BASE_URL: required when PROVIDER=openai-compatible");
  }
  if (result.data.PAYMENT_PROVIDER === "stripe") {
    const missing = /** @type {const} */ (["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]).filter((name) => !result.data[name]);
    if (missing.length > 0) {
      throw new Error(`Invalid environment:\n${missing.map((name) => `  ${name}: required when PAYMENT_PROVIDER=stripe`).join("\n")}`);
    }
  }
  if (result.data.DATABASE_QUERY_TIMEOUT_MS <= result.data.DATABASE_STATEMENT_TIMEOUT_MS) {
    throw new Error(
      "Invalid environment:\n  DATABASE_QUERY_TIMEOUT_MS: must be longer than DATABASE_STATEMENT_TIMEOUT_MS " +
        "(the server's own timeout should fire first; the client's catches a server that does not answer)",
    );
  }
  // The local default follows PORT: `PORT=3962 npm start` serves and
  // checks origins on http://localhost:3962, not on port 3000.
  const appUrl = result.data.APP_URL ?? `http://localhost:${result.data.PORT}`;
  return { ...result.data, APP_URL: appUrl.replace(/\/+$/, "") };
}

/** The process environment, validated once at import. */
export const env = parseEnv(process.env);

/**
 * The app secret, for the code that cannot run without it (sessions, the
 * sandbox's signatures): a clear error naming the variable, at first use.
 * @param {string} purpose what needs it, for the message
 * @returns {string}
 */
export function requireAuthSecret(purpose) {
  if (!env.BETTER_AUTH_SECRET) {
    throw new Error(`Invalid environment:\n  BETTER_AUTH_SECRET: required for ${purpose} (at least 32 characters)`);
  }
  return env.BETTER_AUTH_SECRET;
}
