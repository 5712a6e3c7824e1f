import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";

/**
 * better-auth answers a failure inside one of its endpoints (the database
 * gone while it reads a session, say) with its own 500 and only tells its
 * logger why. The auth route runs each request in this scope; the logger
 * records a database failure here, and the route answers it like every
 * other entry point does (503 CONFLICT_RETRY, Retry-After, one log line).
 */
export const authFailureScope = new AsyncLocalStorage<{ databaseFailure: unknown }>();
