import "server-only";

import { createHash, randomBytes, randomUUID } from "node:crypto";

import type { ApiKeyScope } from "~/shared/schemas/jobs";
import { type Prisma, type Db } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { logger } from "~/server/logger";
import {
  apiKeyActing,
  personalOwnerIdOf,
  type ActiveWorkspace,
  type WorkspaceKind,
  type WorkspaceRole,
} from "~/server/workspaces/active-workspace";

/** Every secret starts with this, so leaked keys are easy to scan for. */
export const apiKeySecretPrefix = "cw_live_";
/** Random characters after `cw_live_` that the list shows (the key's public prefix). */
const prefixIdChars = 8;
/** Random bytes of the secret proper (256 bits, base64url). */
const secretBytes = 32;
/** Keys a user may hold that are not revoked. */
export const activeApiKeysMax = 25;
/** `last_used_at` is written at most this often per key, not on every request. */
export const lastUsedWriteIntervalMs = 60_000;

const prefixAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const secretPattern = new RegExp(`^${apiKeySecretPrefix}[A-Za-z0-9]{${prefixIdChars}}_[A-Za-z0-9_-]{43}$`);

/** What a key's owner may see of it: never the secret or its hash. */
export const apiKeySelect = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} satisfies Prisma.ApiKeySelect;

export type ApiKeyView = Prisma.ApiKeyGetPayload<{ select: typeof apiKeySelect }>;

/** The user a REST request acts as, and what its key allows. */
/** Who a request made with a key is: the key's workspace (its wallet), the member acting, the key and its scopes. */
export type ApiPrincipal = { workspace: ActiveWorkspace; actorUserId: string; keyId: string; scopes: ApiKeyScope[] };

/** SHA-256 of a secret, hex: what the database stores and looks keys up by. */
export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function randomPrefixId(): string {
  const bytes = randomBytes(prefixIdChars);
  // 256 is not a multiple of 62: the bias is < 2 % on a public, non-secret label.
  return Array.from(bytes, (byte) => prefixAlphabet[byte % prefixAlphabet.length]).join("");
}

/** A new secret and its public prefix: `cw_live_AbCd1234_<43 base64url chars>`. */
export function generateApiKeySecret(): { secret: string; prefix: string } {
  const prefix = `${apiKeySecretPrefix}${randomPrefixId()}`;
  const secret = `${prefix}_${randomBytes(secretBytes).toString("base64url")}`;
  assert(secretPattern.test(secret), "a generated secret matches the secret pattern");
  return { secret, prefix };
}

/**
 * Creates a key for `workspaceId` and returns its secret, which is never stored
 * (only its hash) and so can be shown only this once. The key acts as the
 * member who creates it (`createdByUserId`; a personal workspace's owner
 * when not given), within that member's role and budget.
 */
export async function createApiKey(
  client: Db,
  workspaceId: string,
  input: { name: string; scopes: ApiKeyScope[] },
  createdByUserId: string = personalOwnerIdOf(workspaceId),
): Promise<{ key: ApiKeyView; secret: string }> {
  // A soft bound against clutter, not a guarantee: two concurrent creations
  // may both pass it (keys move no credits).
  const active = await client.apiKey.count({ where: { workspaceId, revokedAt: null } });
  if (active >= activeApiKeysMax) {
    throw new AppError("VALIDATION_ERROR", `At most ${activeApiKeysMax} keys: revoke one first.`, {
      fieldErrors: { name: [`At most ${activeApiKeysMax} keys: revoke one first.`] },
    });
  }
  const { secret, prefix } = generateApiKeySecret();
  const key = await client.apiKey.create({
    data: { id: randomUUID(), workspaceId, createdByUserId, name: input.name, prefix, secretHash: hashApiKeySecret(secret), scopes: input.scopes },
    select: apiKeySelect,
  });
  logger.info({ workspaceId, keyId: key.id, scopes: input.scopes }, "API key created");
  return { key, secret };
}

/** The user's keys, newest first, revoked ones included (they say when). */
export async function listApiKeys(client: Db, workspaceId: string): Promise<ApiKeyView[]> {
  return client.apiKey.findMany({ where: { workspaceId }, select: apiKeySelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

/**
 * Revokes one of the user's keys; idempotent (a revoked key stays revoked
 * at its first time). Effective on the very next request: keys are looked
 * up in the database on every request, never cached.
 */
export async function revokeApiKey(client: Db, workspaceId: string, keyId: string): Promise<ApiKeyView> {
  await client.apiKey.updateMany({ where: { id: keyId, workspaceId, revokedAt: null }, data: { revokedAt: new Date() } });
  const key = await client.apiKey.findFirst({ where: { id: keyId, workspaceId }, select: apiKeySelect });
  if (!key) throw new AppError("NOT_FOUND", "No such key.");
  logger.info({ workspaceId, keyId }, "API key revoked");
  return key;
}

type KeyRow = {
  id: string;
  workspaceId: string;
  scopes: string[];
  lastUsedAt: Date | null;
  userId: string;
  role: WorkspaceRole;
  kind: WorkspaceKind;
};

/**
 * The principal of a bearer secret, or null when it is malformed, unknown,
 * revoked, or the member who created it was deleted or is no longer a
 * member of its workspace (a removed member's keys stop at once), or its
 * team was deleted (whose keys are revoked with it); it acts
 * with that member's role as it is now. One indexed read per request (no
 * cache, so a revocation holds from the next request on); `last_used_at`
 * is written only when it is more than a minute old.
 */
export async function authenticateApiKey(client: Db, secret: string): Promise<ApiPrincipal | null> {
  if (!secretPattern.test(secret)) return null;
  const rows = await client.$queryRaw<KeyRow[]>`
    SELECT k.id::text AS id, k.workspace_id AS "workspaceId", k.scopes, k.last_used_at AS "lastUsedAt",
           m.user_id AS "userId", m.role::text AS role, w.kind::text AS kind
    FROM api_key k
    JOIN "user" u ON u.id = k.created_by_user_id
    JOIN workspace_member m ON m.workspace_id = k.workspace_id AND m.user_id = k.created_by_user_id
    JOIN workspace w ON w.id = k.workspace_id
    WHERE k.secret_hash = ${hashApiKeySecret(secret)} AND k.revoked_at IS NULL AND u.deleted_at IS NULL AND w.deleted_at IS NULL`;
  const row = rows[0];
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= lastUsedWriteIntervalMs) {
    // Conditional, so concurrent requests of one key write it once a minute at most.
    await client.$executeRaw`
      UPDATE api_key SET last_used_at = clock_timestamp()
      WHERE id = ${row.id}::uuid
        AND (last_used_at IS NULL OR last_used_at < clock_timestamp() - make_interval(secs => ${lastUsedWriteIntervalMs / 1000}))`;
  }
  return { ...apiKeyActing(row.workspaceId, row), keyId: row.id, scopes: row.scopes as ApiKeyScope[] };
}
