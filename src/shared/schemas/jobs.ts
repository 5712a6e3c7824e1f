import { z } from "zod";

import { JobStatus } from "~/generated/prisma/enums";
import { apiKeyNameMaxChars, apiKeyScopes, type ApiKeyScope } from "~/shared/api-key-scopes";

/**
 * Input schemas shared by routers and forms (the UI shows the same messages).
 * Zod and the generated enums only: safe to import from the client.
 */
export const idempotencyKey = z.uuid({ version: "v4", message: "Must be a UUID v4." });
export const jobId = z.uuid({ message: "Not a job id." });
export const promptMaxChars = 2000;
export const outputsMax = 4;

export const createJobInput = z.object({
  idempotencyKey,
  modelId: z.string().min(1, "Pick a model.").max(64),
  prompt: z
    .string()
    .trim()
    .min(1, "Write a prompt.")
    .max(promptMaxChars, `At most ${promptMaxChars} characters.`),
  outputs: z.number().int().min(1, "At least 1 output.").max(outputsMax, `At most ${outputsMax} outputs.`),
});

export const pageLimitMax = 100;
export const pageLimitDefault = 20;
/** What a page size outside its range is told, whatever was wrong with it. */
export const pageLimitMessage = `A whole number from 1 to ${pageLimitMax}.`;
export const pageLimit = z
  .number({ error: pageLimitMessage })
  .int(pageLimitMessage)
  .min(1, pageLimitMessage)
  .max(pageLimitMax, pageLimitMessage)
  .default(pageLimitDefault);

export const listJobsInput = z.object({
  status: z.enum(JobStatus).optional(),
  cursor: jobId.optional(),
  limit: pageLimit,
});

export const ledgerPageInput = z.object({
  cursor: z.string().regex(/^\d{1,19}$/, "Not a cursor.").optional(),
  limit: pageLimit,
});

export { apiKeyNameMaxChars, apiKeyScopes, type ApiKeyScope };
export const apiKeyScope = z.enum(apiKeyScopes);

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, "Name the key.").max(apiKeyNameMaxChars, `At most ${apiKeyNameMaxChars} characters.`),
  scopes: z
    .array(apiKeyScope)
    .min(1, "Pick at least one scope.")
    .max(apiKeyScopes.length)
    .refine((scopes) => new Set(scopes).size === scopes.length, "Each scope once."),
});

export const apiKeyId = z.uuid({ message: "Not a key id." });

/**
 * The REST body of `POST /api/v1/jobs`: `jobs.create`'s input without the
 * idempotency key, which travels in the `Idempotency-Key` header. Strict,
 * so that a misspelt field is an error rather than silently ignored.
 */
export const restCreateJobBody = createJobInput.omit({ idempotencyKey: true }).strict();

/** Query strings are text: the same limits as `pageLimit`, coerced from it. */
const queryLimit = z.coerce
  .number({ error: pageLimitMessage })
  .int(pageLimitMessage)
  .min(1, pageLimitMessage)
  .max(pageLimitMax, pageLimitMessage)
  .default(pageLimitDefault);

/** `GET /api/v1/jobs`: `jobs.list`'s input, from a query string. */
export const restListJobsQuery = listJobsInput.extend({ limit: queryLimit }).strict();

/** `GET /api/v1/ledger`: `credits.ledger`'s input, from a query string. */
export const restLedgerQuery = ledgerPageInput.extend({ limit: queryLimit }).strict();

export const idempotencyKeyMaxChars = 255;

/** An `Idempotency-Key` value: 1–255 visible ASCII characters without spaces or quotes. */
export const idempotencyKeyValue = z
  .string()
  .min(1, "The Idempotency-Key header is empty.")
  .max(idempotencyKeyMaxChars, `An Idempotency-Key has at most ${idempotencyKeyMaxChars} characters.`)
  .regex(/^[\x21\x23-\x7e]+$/, "An Idempotency-Key is visible ASCII without spaces or quotes.");

/**
 * The `Idempotency-Key` header (IETF draft: a structured-field string, so
 * it may come in double quotes; bare, as Stripe takes it, works too).
 */
export const restIdempotencyKey = z
  .string()
  .transform((value) => (value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value))
  .pipe(idempotencyKeyValue);
