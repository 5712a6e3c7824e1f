import "server-only";

import { createHash } from "node:crypto";

import type { Db, Tx } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import type { Acting } from "~/server/workspaces/active-workspace";

/**
 * Stored responses are honoured this long (SPEC §8: at least 24 hours; the
 * table's CHECK holds the floor).
 */
export const idempotencyTtlHours = 24;
/** Expired stored responses deleted per cleanup pass, at most. */
export const idempotencyPurgeBatchMax = 1_000;

/**
 * A REST key becomes the job's idempotency key under this namespace. The
 * web UI's keys are UUID v4s (tRPC's `idempotencyKey` schema), which never
 * start with it, so the two can never name each other's jobs.
 */
export const restJobKeyNamespace = "api:";

/** The job idempotency key of a REST `Idempotency-Key`. */
export function jobKeyOfRestKey(key: string): string {
  return `${restJobKeyNamespace}${key}`;
}

/** A completed response as it was sent: status, the headers a replay repeats, and the body's very text. */
export type StoredResponse = { fingerprint: string; statusCode: number; headers: Record<string, string>; text: string };

/** JSON with object keys sorted, so equal values have equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The fingerprint that tells a replay from a reused key: method, route
 * path and the validated body (so `{"a":1,"b":2}` and `{"b":2,"a":1}` are
 * one request, and so are two prompts that differ only in the spaces the
 * schema trims).
 */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(canonicalJson([method, path, body])).digest("hex");
}

/** The live stored response of (member, key) in a workspace, if any; an expired one counts as none. */
export async function findStoredResponse(client: Db, acting: Acting, key: string): Promise<StoredResponse | null> {
  const rows = await client.$queryRaw<StoredResponse[]>`
    SELECT fingerprint, status_code AS "statusCode", response_headers AS headers, response_text AS text
    FROM api_idempotency
    WHERE workspace_id = ${acting.workspaceId} AND user_id = ${acting.actorUserId} AND key = ${key} AND expires_at > clock_timestamp()`;
  return rows[0] ?? null;
}

/**
 * The stored response if it was for this very request; a stored response
 * for another request is IDEMPOTENCY_KEY_REUSED (422).
 */
export function replayOf(stored: StoredResponse, fingerprint: string): StoredResponse {
  if (stored.fingerprint !== fingerprint) throw new AppError("IDEMPOTENCY_KEY_REUSED");
  return stored;
}

/**
 * Stores the completed response of (member, key) in a workspace: its status, the headers a
 * replay repeats and the body text exactly as sent. An expired row of the
 * same key is replaced; a live one is kept (the first response stays the
 * one replayed). Returns whether this response was stored.
 */
export async function storeResponse(
  client: Db | Tx,
  entry: { acting: Acting; key: string; fingerprint: string } & Omit<StoredResponse, "fingerprint">,
): Promise<boolean> {
  assert(entry.statusCode >= 200 && entry.statusCode < 300, "only completed responses are stored");
  const stored = await client.$executeRaw`
    INSERT INTO api_idempotency (workspace_id, user_id, key, fingerprint, status_code, response_headers, response_text, created_at, expires_at)
    VALUES (${entry.acting.workspaceId}, ${entry.acting.actorUserId}, ${entry.key}, ${entry.fingerprint}, ${entry.statusCode}::int, ${JSON.stringify(entry.headers)}::jsonb, ${entry.text},
      clock_timestamp(), clock_timestamp() + make_interval(hours => ${idempotencyTtlHours}::int))
    ON CONFLICT (workspace_id, user_id, key) DO UPDATE SET
      fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code,
      response_headers = EXCLUDED.response_headers, response_text = EXCLUDED.response_text,
      created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
    WHERE api_idempotency.expires_at <= clock_timestamp()`;
  return stored === 1;
}

/** Deletes expired stored responses, at most `idempotencyPurgeBatchMax` per call. */
export async function purgeExpiredIdempotency(client: Db): Promise<number> {
  return client.$executeRaw`
    DELETE FROM api_idempotency
    WHERE (workspace_id, user_id, key) IN (
      SELECT workspace_id, user_id, key FROM api_idempotency WHERE expires_at <= clock_timestamp()
      ORDER BY expires_at LIMIT ${idempotencyPurgeBatchMax})`;
}
