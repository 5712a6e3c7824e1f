/**
 * Idempotent seed: a demo user with credits and an admin. Credentials are
 * printed when an account is first created (and never stored anywhere else).
 * Accounts are created through better-auth, so they sign in like any other.
 */
import { randomBytes } from "node:crypto";

import { auth } from "~/server/auth/auth";
import { db } from "~/server/db";
import { money } from "~/server/money";

const demo = { email: "demo@creditworks.dev", password: "demo-password", name: "Demo User", credits: 400 };
const defaultAdmin = { email: "admin@creditworks.dev", name: "Admin" };

/**
 * The first admin's password when ADMIN_PASSWORD names none: random (144
 * bits), printed once when the admin is created and stored nowhere, so no
 * two installations share an admin password that anyone can read here.
 */
function generatedAdminPassword(): string {
  return randomBytes(18).toString("base64url");
}

async function ensureAccount(account: { email: string; password: string; name: string }): Promise<{ id: string; created: boolean }> {
  const existing = await db.user.findUnique({ where: { email: account.email }, select: { id: true } });
  if (existing) return { id: existing.id, created: false };
  // Sign-up answers an existing email with a made-up user (it must not
  // reveal accounts), so the id is read back from the database.
  await auth.api.signUpEmail({ body: account });
  const created = await db.user.findUniqueOrThrow({ where: { email: account.email.toLowerCase() }, select: { id: true } });
  // The operator chose these addresses: they count as verified (no banner).
  await db.user.update({ where: { id: created.id }, data: { emailVerified: true } });
  return { id: created.id, created: true };
}

export async function seed(log: (message: string) => void = console.log): Promise<void> {
  const user = await ensureAccount(demo);
  await money.moveCredits(db, {
    workspaceId: user.id, // the demo user's personal workspace has their id
    amount: demo.credits,
    kind: "GRANT",
    actor: { type: "SYSTEM", id: "seed" },
    reason: "Demo credits",
    idempotencyKey: "seed:demo-credits",
  });
  const configuredPassword = process.env.ADMIN_PASSWORD;
  const admin = {
    email: process.env.ADMIN_EMAIL ?? defaultAdmin.email,
    password: configuredPassword ?? generatedAdminPassword(),
    name: defaultAdmin.name,
  };
  const adminAccount = await ensureAccount(admin);
  await db.user.update({ where: { id: adminAccount.id }, data: { role: "ADMIN" } });
  if (user.created) log(`Demo user created: ${demo.email} / ${demo.password}`);
  if (adminAccount.created && configuredPassword) log(`Admin created: ${admin.email} / (the ADMIN_PASSWORD you configured)`);
  if (adminAccount.created && !configuredPassword) {
    log(`Admin created: ${admin.email} / ${admin.password} (shown this once: keep it; "Forgot password?" mails a reset link)`);
  }
  if (!user.created && !adminAccount.created) log(`Sign in as ${demo.email} or the admin ${admin.email}.`);
}
