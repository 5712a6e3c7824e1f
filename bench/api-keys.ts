import { createHash, randomBytes, randomUUID } from "node:crypto";

import type pg from "pg";

/**
 * One API key (every scope) per seeded user, inserted in SQL the way
 * `createApiKey` stores them: only the SHA-256 of the secret. Returns the
 * secrets by user id, for the load generator's Authorization headers.
 */
export async function seedApiKeys(client: pg.Client, userIds: string[]): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  const ids: string[] = [];
  const prefixes: string[] = [];
  const hashes: string[] = [];
  for (const userId of userIds) {
    const prefix = `cw_live_${randomBytes(4).toString("hex")}`;
    const secret = `${prefix}_${randomBytes(32).toString("base64url")}`;
    secrets.set(userId, secret);
    ids.push(randomUUID());
    prefixes.push(prefix);
    hashes.push(createHash("sha256").update(secret).digest("hex"));
  }
  await client.query(
    `INSERT INTO api_key (id, workspace_id, created_by_user_id, name, prefix, secret_hash, scopes, created_at)
     SELECT id, workspace_id, workspace_id, 'bench', prefix, secret_hash, ARRAY['jobs:read', 'jobs:write', 'credits:read'], now()
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS k(id, workspace_id, prefix, secret_hash)`,
    [ids, userIds, prefixes, hashes],
  );
  return secrets;
}
