import pino from "pino";

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; stack?: unknown };

/**
 * Errors as their type, message, code and stack only: a pg error carries
 * its whole client (connection parameters, buffers) as a property, which
 * would turn one line into pages.
 */
function briefError(value: unknown): unknown {
  if (!value || typeof value !== "object") return value;
  const error = value as ErrorLike;
  return { type: error.name, message: error.message, code: error.code, stack: error.stack };
}

/**
 * Structured JSON logs. Carry `jobId`, `userId` and `workerId` as fields so a
 * job can be followed across the web process, workers and the cleanup.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "creditworks" },
  redact: ["password", "*.password", "authorization", "*.authorization"],
  serializers: { err: briefError, error: briefError, fatalError: briefError },
});
