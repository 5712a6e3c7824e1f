import { z } from "zod";

/**
 * Input schemas of the budgets procedures and the budgets form (SPEC §9).
 * Zod only: safe to import from the client, so the form shows the server's
 * messages.
 */

export const budgetScopes = ["ACCOUNT", "API_KEY", "MEMBER"] as const;
export const budgetPeriods = ["MONTH", "TOTAL"] as const;
export type BudgetScope = (typeof budgetScopes)[number];
export type BudgetPeriod = (typeof budgetPeriods)[number];

/** The highest limit a budget may have, in credits (the column is a 32-bit integer). */
export const budgetLimitMax = 1_000_000_000;
const limitMessage = `A whole number from 0 to ${budgetLimitMax.toLocaleString("en-US")}.`;

export const budgetLimitCredits = z
  .number({ error: limitMessage })
  .int(limitMessage)
  .min(0, limitMessage)
  .max(budgetLimitMax, limitMessage);

/** IANA names are short ("America/Argentina/ComodRivadavia" is 32 characters). */
const timeZoneMaxChars = 64;
const timeZoneMessage = "Choose a time zone from the list.";

/** The canonical spelling of an IANA time zone this runtime knows, or null ("utc" → "UTC"). */
export function knownTimeZone(name: string): string | null {
  // Offsets ("+01:00") are valid for Intl in recent engines but are not zone names.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** An IANA time zone name, checked with Intl and given in its canonical spelling. */
export const budgetTimeZone = z
  .string({ error: timeZoneMessage })
  .trim()
  .min(1, timeZoneMessage)
  .max(timeZoneMaxChars, timeZoneMessage)
  .transform((name, context) => {
    const known = knownTimeZone(name);
    if (known === null) {
      context.addIssue({ code: "custom", message: timeZoneMessage });
      return z.NEVER;
    }
    return known;
  });

const budgetTerms = {
  period: z.enum(budgetPeriods, { error: "Choose monthly or total." }),
  limitCredits: budgetLimitCredits,
  timeZone: budgetTimeZone,
};

/** `budgets.set`: the account's budget, one API key's, or one member's (a team's). */
export const setBudgetInput = z.discriminatedUnion("scope", [
  z.object({ scope: z.literal("ACCOUNT"), ...budgetTerms }),
  z.object({ scope: z.literal("API_KEY"), apiKeyId: z.uuid({ message: "Not a key id." }), ...budgetTerms }),
  z.object({ scope: z.literal("MEMBER"), memberUserId: z.string().min(1, "Choose a member.").max(64, "Not a member id."), ...budgetTerms }),
]);
export type SetBudgetInput = z.input<typeof setBudgetInput>;

const bigintMax = 9_223_372_036_854_775_807n;

/** A budget's id travels as a string of digits (a bigint in the database). */
export const budgetId = z
  .string()
  // One check, not a regex then a refinement: zod runs both, and BigInt must never see anything but digits.
  .refine((digits) => /^\d{1,19}$/.test(digits) && BigInt(digits) <= bigintMax, "Not a budget id.");

export const removeBudgetInput = z.object({ budgetId });
