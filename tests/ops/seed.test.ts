import { afterEach, describe, expect, it } from "vitest";

import { auth } from "~/server/auth/auth";
import { db } from "~/server/db";

import { seed } from "../../prisma/seed";

// The seed on this file's fresh database: the first admin's password is
// generated (never a password anyone can read in the sources), printed once
// when the admin is created, and never again; ADMIN_PASSWORD chooses it.
describe("the seed's admin", () => {
  const configured = { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };
  afterEach(() => {
    for (const [name, value] of [["ADMIN_EMAIL", configured.email], ["ADMIN_PASSWORD", configured.password]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  async function seedLogs(): Promise<string[]> {
    const lines: string[] = [];
    await seed((line) => lines.push(line));
    return lines;
  }

  it("without ADMIN_PASSWORD: a generated password, printed on the first run only, that signs in", async () => {
    delete process.env.ADMIN_EMAIL;
    delete process.env.ADMIN_PASSWORD;
    const first = await seedLogs();
    const created = first.map((line) => /^Admin created: admin@creditworks\.dev \/ (\S+) /.exec(line)).find(Boolean);
    expect(created, first.join("\n")).toBeTruthy();
    const password = created![1]!;
    expect(password).not.toBe("admin-password");
    expect(password.length).toBeGreaterThanOrEqual(20);

    const signedIn = await auth.api.signInEmail({ body: { email: "admin@creditworks.dev", password } });
    expect(signedIn.user.email).toBe("admin@creditworks.dev");
    await expect(auth.api.signInEmail({ body: { email: "admin@creditworks.dev", password: "admin-password" } })).rejects.toThrow();
    expect(await db.user.findUniqueOrThrow({ where: { email: "admin@creditworks.dev" }, select: { role: true } })).toEqual({ role: "ADMIN" });

    const second = await seedLogs();
    expect(second.join("\n")).not.toContain(password);
    expect(second.join("\n")).not.toMatch(/created/);
    // Still the first password: the second run changed nothing.
    expect((await auth.api.signInEmail({ body: { email: "admin@creditworks.dev", password } })).user.email).toBe("admin@creditworks.dev");
  });

  it("with ADMIN_PASSWORD: that password, never printed", async () => {
    process.env.ADMIN_EMAIL = "ops@example.test";
    process.env.ADMIN_PASSWORD = "the-operators-own-password";
    const lines = await seedLogs();
    expect(lines).toContain("Admin created: ops@example.test / (the ADMIN_PASSWORD you configured)");
    expect(lines.join("\n")).not.toContain("the-operators-own-password");
    expect((await auth.api.signInEmail({ body: { email: "ops@example.test", password: "the-operators-own-password" } })).user.email).toBe("ops@example.test");
  });
});
