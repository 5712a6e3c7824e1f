import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks `Authorization: Bearer <secret>` in constant time. Fails closed:
 * with no secret configured, nothing is authorised.
 */
export function isAuthorizedBearer(header: string | null, secret: string | undefined): boolean {
  if (!secret) return false;
  const presented = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  // Hashing first gives equal lengths, so the comparison time does not
  // depend on where the strings differ nor on the secret's length.
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(secret).digest();
  return timingSafeEqual(a, b) && presented.length > 0;
}
