/**
 * What a failed database call means for a retry. Errors reach us in several
 * shapes through the Rust-free Prisma client: a PrismaClientKnownRequestError
 * (`P2034`, or `P2010` with the adapter's error in `meta.driverAdapterError`),
 * a bare DriverAdapterError (`cause.kind`, `cause.originalCode`), or the raw
 * pg / Node error (`code` = SQLSTATE or errno, or only a message). Each
 * classifier walks that chain.
 */

/** Serialization failure and deadlock: a retry of the whole transaction can fix them. */
const conflictSqlStates = new Set(["40001", "40P01"]);

/**
 * The server went away under a connection, or never answered: admin or
 * crash shutdown, the server starting up, too many connections, a lost
 * socket. A retry on a new connection can fix them.
 */
const connectionSqlStates = new Set(["57P01", "57P02", "57P03", "53300"]);
const connectionErrnos = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ENOTCONN", "EHOSTUNREACH"]);
const connectionKinds = new Set(["ConnectionClosed", "DatabaseNotReachable", "SocketTimeout", "TooManyConnections"]);
const connectionMessages = [
  "Connection terminated",
  "connection timeout",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection is closed",
  "terminating connection",
  "the database system is starting up",
  "the database system is shutting down",
  "the database system is in recovery mode",
  "Can't reach database server",
  "server closed the connection",
];
/** Prisma's own codes for an unreachable server or a connection it lost. */
const connectionPrismaCodes = new Set(["P1001", "P1002", "P1017"]);

/** A client-side read timeout: the server did not answer (frozen, partitioned). */
const readTimeoutMessage = "Query read timeout";

type ErrorLike = {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  meta?: { code?: unknown; driverAdapterError?: unknown };
  cause?: unknown;
};

const chainDepthMax = 6;

/** Every error in the cause chain of `error`, outermost first. */
function* causeChain(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; depth < chainDepthMax && current && typeof current === "object" && !seen.has(current); depth++) {
    seen.add(current);
    const candidate = current as ErrorLike;
    yield candidate;
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
}

function sqlStatesOf(candidate: ErrorLike): string[] {
  return [candidate.code, candidate.originalCode, candidate.meta?.code].filter((code): code is string => typeof code === "string");
}

/**
 * True for failures that a retry of the whole transaction can fix: the
 * serialization failure and deadlock of PostgreSQL in the shapes they reach
 * us through the Rust-free client — `P2034` when a statement conflicts, a bare
 * DriverAdapterError whose cause is `TransactionWriteConflict` when COMMIT
 * conflicts, and the raw SQLSTATEs 40001/40P01.
 */
export function isRetryableConflict(error: unknown): boolean {
  for (const candidate of causeChain(error)) {
    if (candidate.code === "P2034" || candidate.kind === "TransactionWriteConflict") return true;
    if (sqlStatesOf(candidate).some((state) => conflictSqlStates.has(state))) return true;
  }
  return false;
}

/**
 * True when the connection, not the statement, failed: SQLSTATE class 08,
 * 57P01–57P03 (the server shut down or crashed), too many connections, a
 * reset or refused socket, pg's "Connection terminated", a connect timeout.
 * The statement may or may not have run, so only work that is safe to repeat
 * (a read, or a transaction whose writes are guarded) may be retried.
 */
export function isTransientConnectionError(error: unknown): boolean {
  for (const candidate of causeChain(error)) {
    const states = sqlStatesOf(candidate);
    if (states.some((state) => state.startsWith("08") || connectionSqlStates.has(state) || connectionErrnos.has(state))) {
      return true;
    }
    if (states.some((state) => connectionPrismaCodes.has(state))) return true;
    if (typeof candidate.kind === "string" && connectionKinds.has(candidate.kind)) return true;
    const message = typeof candidate.message === "string" ? candidate.message : "";
    if (connectionMessages.some((known) => message.includes(known))) return true;
  }
  return false;
}

/**
 * True when the server did not answer in time (a frozen or partitioned
 * server). Not worth an immediate retry: it would wait as long again.
 */
export function isDatabaseTimeout(error: unknown): boolean {
  for (const candidate of causeChain(error)) {
    const message = typeof candidate.message === "string" ? candidate.message : "";
    if (message.includes(readTimeoutMessage)) return true;
    // 57014: statement_timeout fired on the server; 55P03: lock_timeout.
    if (sqlStatesOf(candidate).some((state) => state === "57014" || state === "55P03")) return true;
  }
  return false;
}

/** True when NOWAIT found the lock taken (55P03, also lock_timeout's code): the holder is busy now. */
export function isLockNotAvailable(error: unknown): boolean {
  for (const candidate of causeChain(error)) if (sqlStatesOf(candidate).includes("55P03")) return true;
  return false;
}

/** SQLSTATEs of text PostgreSQL cannot store (a NUL byte, say): bad input. */
const badTextSqlStates = new Set(["22021", "22P05"]);

/** True when PostgreSQL refused text it cannot store (a NUL byte, an invalid byte sequence). */
export function isBadTextError(error: unknown): boolean {
  for (const candidate of causeChain(error)) {
    if (sqlStatesOf(candidate).some((state) => badTextSqlStates.has(state))) return true;
  }
  return false;
}
