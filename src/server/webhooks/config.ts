import { env } from "~/env.js";

/** How webhooks are delivered; tests compress the schedule and the window. */
export type WebhooksConfig = {
  /** Refuse nothing by address (tests and local runs): WEBHOOKS_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** One attempt (connect, send, response headers and capped body) gives up after this. */
  timeoutMs: number;
  /** Delay after the n-th failed attempt is retryScheduleMs[n - 1]; the last one repeats. */
  retryScheduleMs: number[];
  /** Attempts go on until this long after the delivery was created, then it fails. */
  retryWindowMs: number;
};

export function webhooksConfigFromEnv(): WebhooksConfig {
  return {
    allowPrivate: env.WEBHOOKS_ALLOW_PRIVATE,
    timeoutMs: env.WEBHOOKS_TIMEOUT_MS,
    retryScheduleMs: env.WEBHOOKS_RETRY_SCHEDULE_MS.split(",").map(Number),
    retryWindowMs: env.WEBHOOKS_RETRY_WINDOW_MS,
  };
}

/** Each delay is stretched by up to this fraction, so failed receivers are not retried in lockstep. */
export const retryJitterFraction = 0.2;

/**
 * The delay before the attempt that follows `failedAttempts` failures:
 * the schedule's entry (its last one repeating), plus 0–20 % jitter, so a
 * retry never comes earlier than the schedule says.
 */
export function retryDelayMs(config: WebhooksConfig, failedAttempts: number, random: () => number = Math.random): number {
  const schedule = config.retryScheduleMs;
  const base = schedule[Math.min(Math.max(failedAttempts, 1), schedule.length) - 1] ?? 60_000;
  return Math.round(base * (1 + retryJitterFraction * random()));
}
