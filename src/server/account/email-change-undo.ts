import "server-only";

import { createHash, randomBytes } from "node:crypto";

import { withTransaction, type Db } from "~/server/db";
import { assert } from "~/server/errors";
import { emailChangeUndoTtlHours } from "~/shared/schemas/account";

export { emailChangeUndoTtlHours };

const tokenBytes = 32;

function hashOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Records a completed email change and returns the token of its undo link
 * (mailed to the old address; only its hash is stored).
 */
export async function recordEmailChange(
  client: Db,
  change: { userId: string; oldEmail: string; newEmail: string },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(tokenBytes).toString("base64url");
  const expiresAt = new Date(now.getTime() + emailChangeUndoTtlHours * 3_600_000);
  await client.emailChangeUndo.create({
    data: { tokenHash: hashOf(token), userId: change.userId, oldEmail: change.oldEmail, newEmail: change.newEmail, createdAt: now, expiresAt },
  });
  return { token, expiresAt };
}

export type UndoPreview =
  | { state: "ready"; oldEmail: string; newEmail: string; changedAt: Date; expiresAt: Date }
  | { state: "invalid" | "expired" | "used" };

/** What following an undo link would do, without doing it (the page shows it before the click). */
export async function previewEmailChangeUndo(client: Db, token: string, now = new Date()): Promise<UndoPreview> {
  const row = await client.emailChangeUndo.findUnique({
    where: { tokenHash: hashOf(token) },
    select: { oldEmail: true, newEmail: true, createdAt: true, expiresAt: true, usedAt: true, user: { select: { deletedAt: true } } },
  });
  if (!row || row.user.deletedAt) return { state: "invalid" };
  if (row.usedAt) return { state: "used" };
  if (row.expiresAt <= now) return { state: "expired" };
  return { state: "ready", oldEmail: row.oldEmail, newEmail: row.newEmail, changedAt: row.createdAt, expiresAt: row.expiresAt };
}

export type UndoResult = { status: "restored"; email: string } | { status: "invalid" | "expired" | "used" | "taken" };

/**
 * Follows an undo link: the account's email is the old address again
 * (verified: its owner just clicked a link mailed there), every session of
 * the account is signed out (whoever changed the address may hold one), and
 * the link is used. The undo links of later changes of this account are
 * used up with it, so a later change cannot be replayed over the restored
 * address; earlier ones stay valid. Refused when the old address now
 * belongs to another account ("taken"), or the link is unknown, used or
 * expired. One transaction, under the user row's lock.
 */
export async function undoEmailChange(client: Db, token: string, now = new Date()): Promise<UndoResult> {
  return withTransaction(client, { label: "account.undoEmailChange" }, async (tx) => {
    const found = await tx.emailChangeUndo.findUnique({ where: { tokenHash: hashOf(token) }, select: { userId: true } });
    if (!found) return { status: "invalid" };
    await tx.$queryRaw`SELECT id FROM "user" WHERE id = ${found.userId} FOR UPDATE`;
    const row = await tx.emailChangeUndo.findUniqueOrThrow({ where: { tokenHash: hashOf(token) } });
    const user = await tx.user.findUniqueOrThrow({ where: { id: row.userId }, select: { deletedAt: true } });
    if (user.deletedAt) return { status: "invalid" };
    if (row.usedAt) return { status: "used" };
    if (row.expiresAt <= now) return { status: "expired" };
    const owner = await tx.user.findUnique({ where: { email: row.oldEmail }, select: { id: true } });
    if (owner && owner.id !== row.userId) return { status: "taken" };

    await tx.user.update({ where: { id: row.userId }, data: { email: row.oldEmail, emailVerified: true } });
    const used = await tx.emailChangeUndo.updateMany({
      where: { userId: row.userId, usedAt: null, createdAt: { gte: row.createdAt } },
      data: { usedAt: now },
    });
    assert(used.count >= 1, "the undo link being followed is used with its later ones");
    await tx.session.deleteMany({ where: { userId: row.userId } });
    return { status: "restored", email: row.oldEmail };
  });
}
