import { auth } from "~/server/auth/auth";

/** Checks a password against a stored hash with better-auth's own hasher (whatever auth.ts configures). */
export async function checkPasswordHash(hash: string, password: string): Promise<boolean> {
  const context = await auth.$context;
  return context.password.verify({ hash, password });
}
