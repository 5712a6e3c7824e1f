import "server-only";

import { type Prisma, type Db } from "~/server/db";
import { AppError } from "~/server/errors";

/** What the settings page and the verify-email banner show of the signed-in account. */
export const profileSelect = {
  name: true,
  email: true,
  emailVerified: true,
  createdAt: true,
} satisfies Prisma.UserSelect;

export type Profile = Prisma.UserGetPayload<{ select: typeof profileSelect }>;

/** The user's own profile; a deleted account has none (NOT_FOUND). */
export async function getProfile(client: Db, userId: string): Promise<Profile> {
  const profile = await client.user.findFirst({ where: { id: userId, deletedAt: null }, select: profileSelect });
  if (!profile) throw new AppError("NOT_FOUND", "No such account.");
  return profile;
}
