import "server-only";

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Known-device cookies (OWASP's answer to lockouts an attacker can cause):
 * a browser that signed in to an account gets a signed token for that
 * account, and its later sign-in attempts skip the account's delay and the
 * address limit (src/server/auth/sign-in-throttle.ts). An attacker does not
 * hold it, so failures they cause elsewhere never keep the owner out.
 *
 * One cookie holds the tokens of the last few accounts used in the browser:
 * `<account tag>.<device id>.<mac>` joined by `~`. The account tag is an
 * HMAC of the email (the cookie names no address); the MAC binds tag and
 * device id to this server's secret. Sent only to the sign-in endpoint.
 */
export const knownDeviceCookie = "creditworks.known_device";
/** How long a browser stays known after its last successful sign-in. */
export const knownDeviceMaxAgeSeconds = 180 * 24 * 60 * 60;
const accountsPerBrowserMax = 5;
const cookiePath = "/api/auth/sign-in";

function mac(secret: string, purpose: string, value: string): string {
  return createHmac("sha256", secret).update(`creditworks:${purpose}:v1:${value}`).digest("base64url");
}

/** The key of an account in the throttle and in device tokens: an HMAC of its normalized email. */
export function accountTagOf(secret: string, email: string): string {
  return mac(secret, "sign-in-account", email.trim().toLowerCase()).slice(0, 32);
}

type Token = { tag: string; deviceId: string; mac: string };

function tokensOf(cookieHeader: string | null): Token[] {
  if (!cookieHeader) return [];
  for (const part of cookieHeader.split(";")) {
    const at = part.indexOf("=");
    if (at <= 0 || part.slice(0, at).trim() !== knownDeviceCookie) continue;
    return part
      .slice(at + 1)
      .trim()
      .split("~")
      .slice(0, accountsPerBrowserMax)
      .map((token) => token.split("."))
      .filter((fields): fields is [string, string, string] => fields.length === 3)
      .map(([tag, deviceId, signature]) => ({ tag, deviceId, mac: signature }));
  }
  return [];
}

function isGenuine(secret: string, token: Token): boolean {
  const expected = Buffer.from(mac(secret, "known-device", `${token.tag}.${token.deviceId}`));
  const given = Buffer.from(token.mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The device id this browser holds for the account `accountTag`, if its cookie carries a genuine token for it. */
export function knownDeviceFor(secret: string, cookieHeader: string | null, accountTag: string): string | null {
  const token = tokensOf(cookieHeader).find((candidate) => candidate.tag === accountTag);
  return token && isGenuine(secret, token) ? token.deviceId : null;
}

/**
 * The Set-Cookie value after a successful sign-in to `accountTag`: its
 * token first (kept if the browser had one, new otherwise), then the
 * browser's other genuine tokens, at most `accountsPerBrowserMax`.
 */
export function knownDeviceSetCookie(secret: string, cookieHeader: string | null, accountTag: string, options: { secure: boolean }): string {
  const genuine = tokensOf(cookieHeader).filter((token) => isGenuine(secret, token));
  const deviceId = genuine.find((token) => token.tag === accountTag)?.deviceId ?? randomBytes(12).toString("base64url");
  const mine: Token = { tag: accountTag, deviceId, mac: mac(secret, "known-device", `${accountTag}.${deviceId}`) };
  const tokens = [mine, ...genuine.filter((token) => token.tag !== accountTag)].slice(0, accountsPerBrowserMax);
  const value = tokens.map((token) => `${token.tag}.${token.deviceId}.${token.mac}`).join("~");
  const attributes = [`Path=${cookiePath}`, `Max-Age=${knownDeviceMaxAgeSeconds}`, "HttpOnly", "SameSite=Strict", ...(options.secure ? ["Secure"] : [])];
  return `${knownDeviceCookie}=${value}; ${attributes.join("; ")}`;
}
