import "server-only";

import { withTransaction, type Db } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { money } from "~/server/money";
import { personalWorkspaceIdOf } from "~/server/workspaces/active-workspace";
import { leaveEveryTeam, teamsLastOwnedBy } from "~/server/workspaces/members";

/** Anonymised accounts get an address in a reserved domain that can never receive mail (RFC 2606). */
export const deletedEmailDomain = "deleted.invalid";
export const deletedUserName = "Deleted user";

/** The address a deleted account is left with: unique (it contains the id), unreachable. */
export function deletedEmailFor(userId: string): string {
  return `deleted-${userId}@${deletedEmailDomain}`;
}

export type PasswordCheck = (hash: string, password: string) => Promise<boolean>;

const wrongPassword = () => new AppError("VALIDATION_ERROR", "Wrong password.", { fieldErrors: { password: ["Wrong password."] } });

/**
 * Deletes an account while keeping the books. The user row stays, because
 * ledger entries, jobs and checkouts reference it (ON DELETE RESTRICT) and
 * the balance must still equal the sum of its ledger; its personal data is
 * anonymised (name, email, image), `deleted_at` is set, and its sessions,
 * accounts (the password hash), pending reset tokens and webhook endpoints
 * are deleted in the same transaction, so it can never sign in again (the session hook in
 * auth.ts also refuses any new session for it).
 *
 * The password confirms the intent. While a job of the account is active
 * the deletion is refused (cancel it or wait): a job's settlement then
 * never writes to an account that is being taken apart. The workspace's
 * lock orders this against job creation and every credit movement.
 *
 * The user leaves every team in the same transaction (their keys there
 * revoked too); while they are the last owner of a team that is not
 * deleted, the deletion is refused, naming the team (`fieldErrors.teams`):
 * make another member owner, or delete the team, first.
 */
export async function deleteAccount(client: Db, userId: string, password: string, checkPassword: PasswordCheck): Promise<{ deletedAt: Date }> {
  const credential = await client.account.findFirst({ where: { userId, providerId: "credential" }, select: { password: true } });
  if (!credential?.password || !(await checkPassword(credential.password, password))) throw wrongPassword();
  // The personal workspace goes with its user: its wallet's lock first, as every money transaction does.
  const workspaceId = personalWorkspaceIdOf(userId);
  return withTransaction(client, { label: "account.delete" }, async (tx) => {
    await money.lockAccount(tx, workspaceId);
    const active = await tx.job.count({ where: { workspaceId, status: { in: ["PENDING", "PROCESSING"] } } });
    if (active > 0) {
      const message = `Cancel your ${active === 1 ? "running job" : `${active} running jobs`} or wait for ${active === 1 ? "it" : "them"} to finish first.`;
      throw new AppError("VALIDATION_ERROR", message, { fieldErrors: { _: [message] } });
    }
    await leaveEveryTeam(tx, userId);
    const deletedAt = new Date();
    const changed = await tx.user.updateMany({
      where: { id: userId, deletedAt: null },
      data: { name: deletedUserName, email: deletedEmailFor(userId), image: null, emailVerified: false, deletedAt },
    });
    // A second, concurrent deletion of the same account finds it deleted.
    if (changed.count === 0) throw new AppError("NOT_FOUND", "This account no longer exists.");
    assert(changed.count === 1, "one user row per id");
    await tx.session.deleteMany({ where: { userId } });
    // Its API keys stop with it, and those it made for its teams (the REST layer also refuses a deleted user's key).
    await tx.apiKey.updateMany({ where: { OR: [{ workspaceId }, { createdByUserId: userId }], revokedAt: null }, data: { revokedAt: deletedAt } });
    await tx.account.deleteMany({ where: { userId } });
    // Undo links of email changes hold addresses: personal data, and no way back into a deleted account.
    await tx.emailChangeUndo.deleteMany({ where: { userId } });
    // better-auth's password-reset tokens carry the user id as their value.
    await tx.verification.deleteMany({ where: { value: userId } });
    // Webhook endpoints (URLs, secrets) and the events sent to them go too: nothing is delivered for a deleted account.
    await tx.webhookEndpoint.deleteMany({ where: { workspaceId } });
    await tx.webhookEvent.deleteMany({ where: { workspaceId } });
    // A deleted account is never charged again: auto top-up off, saved cards
    // removed (their rows stay for the receipts that name them).
    await tx.autoTopup.updateMany({ where: { workspaceId }, data: { enabled: false, disabledReason: null, updatedAt: deletedAt } });
    await tx.paymentMethod.updateMany({ where: { workspaceId, removedAt: null }, data: { removedAt: deletedAt } });
    return { deletedAt };
  });
}

/** What the account page says before a deletion: the personal wallet's credits that go with it, and the teams that block it. */
export type AccountDeletionPreview = { credits: number; lastOwnerOf: string[] };

/**
 * The personal wallet's balance (whatever workspace the session acts in:
 * a team's credits are the team's, not lost with the account) and the
 * teams of which the user is the last owner (deleteAccount refuses while
 * there are any).
 */
export async function accountDeletionPreview(client: Db, userId: string): Promise<AccountDeletionPreview> {
  const wallet = await client.workspace.findUnique({ where: { id: personalWorkspaceIdOf(userId) }, select: { balance: true } });
  if (!wallet) throw new AppError("NOT_FOUND", "No such account.");
  return { credits: wallet.balance, lastOwnerOf: await teamsLastOwnedBy(client, userId) };
}
