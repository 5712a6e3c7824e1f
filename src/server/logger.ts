import pino from "pino";

/**
 * Structured JSON logs. Carry `jobId`, `userId` and `workerId` as fields so a
 * job can be followed across the web process, workers and the cleanup.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "creditworks" },
  redact: ["password", "*.password", "authorization", "*.authorization"],
});
