import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { env } from "~/env.js";
import { auth } from "~/server/auth/auth";
import { handleAuthRequest } from "~/server/auth/handler";
import { socketAddressHeader, trackSocketAddresses } from "~/server/http/client-address";

import { db } from "../helpers";

// The sessions list (Settings → Sessions) shows where each session signed
// in from: the client's own address. Limits still go by an IPv6 client's
// /64, but that key is not an address to show anyone.

const password = "correct-horse-battery";

/** A sign-in through the real /api/auth route, from `socketAddress` (as the request-start hook records it). */
async function signInFrom(socketAddress: string, email: string, attempt = password): Promise<Response> {
  trackSocketAddresses();
  return handleAuthRequest(new Request(`${env.APP_URL}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: env.APP_URL, [socketAddressHeader]: socketAddress },
    body: JSON.stringify({ email, password: attempt }),
  }));
}

async function newAccount(): Promise<string> {
  const email = `sessions-${randomUUID()}@example.test`;
  await auth.api.signUpEmail({ body: { email, password, name: "Session Owner" } });
  return email;
}

describe("a session's recorded address", () => {
  it("is the IPv6 client's own address, not the /64 it is limited by", async () => {
    const email = await newAccount();
    const response = await signInFrom("2001:db8:abcd:12:1:2:3:4", email);
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
    const sessions = await auth.api.listSessions({ headers: new Headers({ cookie }) });
    expect(sessions.map((session) => session.ipAddress)).toEqual(["2001:db8:abcd:12:1:2:3:4"]);

    // A failed sign-in from a neighbour in the same /64 counts against the prefix.
    expect((await signInFrom("2001:db8:abcd:12::99", email, "wrong-password")).status).toBe(401);
    expect(await db.authThrottle.findUnique({ where: { key: "sign-in:address:2001:db8:abcd:12::" }, select: { attempts: true } })).toEqual({ attempts: 1 });
  });

  it("loopback over IPv6 reads ::1, IPv4 and IPv4-mapped read as IPv4", async () => {
    const email = await newAccount();
    for (const address of ["::1", "::ffff:203.0.113.9", "198.51.100.4"]) expect((await signInFrom(address, email)).status).toBe(200);
    const user = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
    const recorded = await db.session.findMany({ where: { userId: user.id }, orderBy: { createdAt: "asc" }, select: { ipAddress: true } });
    expect(recorded.map((session) => session.ipAddress)).toEqual(["::1", "203.0.113.9", "198.51.100.4"]);
  });

  it("is nothing when the client address is unknown", async () => {
    const email = await newAccount();
    const signedIn = await auth.api.signInEmail({ body: { email, password } });
    expect(await db.session.findUniqueOrThrow({ where: { token: signedIn.token }, select: { ipAddress: true } })).toEqual({ ipAddress: null });
  });

  it("a /64 recorded before is forgotten by the migration; real addresses stay", async () => {
    const email = await newAccount();
    const user = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
    const recorded = ["2001:0db8:abcd:0012:0000:0000:0000:0000", "0000:0000:0000:0000:0000:0000:0000:0000", "2001:db8::1", "198.51.100.4"];
    for (const ipAddress of recorded) {
      await db.session.create({ data: { id: randomUUID(), token: randomUUID(), userId: user.id, ipAddress, expiresAt: new Date(Date.now() + 60_000) } });
    }
    await db.$executeRawUnsafe(readFileSync("prisma/migrations/20261207030000_session_address_not_a_prefix/migration.sql", "utf8"));
    const after = await db.session.findMany({ where: { userId: user.id }, select: { ipAddress: true } });
    expect(after.map((session) => session.ipAddress).sort()).toEqual(["198.51.100.4", "2001:db8::1", null, null].sort());
  });
});
