import { z } from "zod";

/**
 * Input schemas of the account procedures that forms share. Zod only: safe
 * to import from the client.
 */

/** How long the old address may undo an email change, in hours. */
export const emailChangeUndoTtlHours = 72;

/** The token of an email-change undo link (32 random bytes, base64url). */
export const emailChangeUndoInput = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "This link is not valid.") });
