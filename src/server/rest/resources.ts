import "server-only";

import { z } from "zod";

import { ActorType, LedgerKind, OutputStatus } from "~/generated/prisma/enums";
import { apiKeyScopes } from "~/shared/schemas/jobs";
import { appErrorCodes } from "~/server/errors";
import { problemTypes } from "~/server/rest/problem-types";
import { jobStatuses } from "~/server/money";

/*
 * What the REST API answers, as zod schemas: the OpenAPI document is
 * generated from them, and the tests parse every response with them, so
 * the document cannot drift from what the server sends.
 */

const timestamp = z.iso.datetime({ offset: true });

export const jobResource = z
  .object({
    id: z.uuid(),
    userId: z.string(),
    modelId: z.string(),
    prompt: z.string(),
    outputsRequested: z.number().int(),
    pricePerOutput: z.number().int(),
    totalCost: z.number().int().meta({ description: "Charged in full when the job was created." }),
    status: z.enum(jobStatuses),
    outputsDone: z.number().int(),
    outputsFailed: z.number().int(),
    attempts: z.number().int(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    refundedAmount: z.number().int().meta({ description: "Refunded when the job ended: the cost of the outputs not delivered." }),
    deadlineAt: timestamp,
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .meta({
    id: "Job",
    description: "A generation job.",
    example: {
      id: "0b6f4c55-5a0e-4a4b-9d0f-4f3c2f1f8a11", userId: "usr_demo", modelId: "storyteller-v1",
      prompt: "A lighthouse keeper's cat", outputsRequested: 2, pricePerOutput: 2, totalCost: 4, status: "PENDING",
      outputsDone: 0, outputsFailed: 0, attempts: 0, errorCode: null, errorMessage: null, refundedAmount: 0,
      deadlineAt: "2026-11-30T12:10:00.000Z", createdAt: "2026-11-30T12:00:00.000Z", startedAt: null, finishedAt: null,
    },
  });

export const jobOutputResource = z
  .object({
    index: z.number().int(),
    status: z.enum(OutputStatus),
    mimeType: z.string(),
    content: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: "JobOutput", description: "One output of a job (text, or an SVG image)." });

export const jobWithOutputsResource = jobResource
  .extend({ outputs: z.array(jobOutputResource) })
  .meta({ id: "JobWithOutputs", description: "A job with the outputs delivered so far." });

export const jobPageResource = z
  .object({ items: z.array(jobResource), nextCursor: z.string().nullable() })
  .meta({ id: "JobPage", description: "A page of jobs, newest first; pass `nextCursor` as `cursor` for the next one." });

export const balanceResource = z
  .object({
    available: z.number().int().meta({ description: "Credits that can be spent now." }),
    reserved: z.number().int().meta({ description: "Credits charged to active jobs; undelivered outputs come back." }),
    activeJobs: z.number().int(),
    expiringSoon: z
      .object({
        credits: z.number().int().meta({ description: "Credits that expire first (all of that day)." }),
        expiresAt: z.string().meta({ description: "When they expire (ISO 8601)." }),
      })
      .nullable()
      .meta({ description: "The first credits to expire within 14 days, or null." }),
  })
  .meta({
    id: "Balance",
    example: { available: 496, reserved: 4, activeJobs: 1, expiringSoon: { credits: 40, expiresAt: "2026-12-03T12:00:00.000Z" } },
  });

export const ledgerEntryResource = z
  .object({
    id: z.string().meta({ description: "Increasing; also the cursor." }),
    kind: z.enum(LedgerKind),
    amount: z.number().int().meta({ description: "Signed: negative for a charge." }),
    balanceBefore: z.number().int(),
    balanceAfter: z.number().int(),
    jobId: z.uuid().nullable(),
    actorType: z.enum(ActorType),
    reason: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: "LedgerEntry" });

export const ledgerPageResource = z
  .object({ items: z.array(ledgerEntryResource), nextCursor: z.string().nullable() })
  .meta({ id: "LedgerPage", description: "A page of the ledger, newest first." });

export const exceededBudgetResource = z
  .object({
    id: z.string().meta({ description: "The budget's id." }),
    scope: z.enum(["ACCOUNT", "API_KEY"]).meta({ description: "The whole account's budget, or one API key's." }),
    period: z.enum(["MONTH", "TOTAL"]).meta({ description: "MONTH: a calendar month in the budget's time zone; TOTAL: never resets." }),
    apiKeyId: z.uuid().nullable().meta({ description: "The key an API_KEY budget limits; null for ACCOUNT." }),
    limitCredits: z.number().int(),
    spentCredits: z.number().int().meta({ description: "Spent against it this period (charges less refunds)." }),
    remainingCredits: z.number().int().meta({ description: "What is left this period: a job costing more is refused." }),
    resetsAt: timestamp.nullable().meta({ description: "When the period ends and the budget starts over; null for TOTAL." }),
  })
  .meta({
    id: "ExceededBudget",
    description: "The budget a refused request would have gone over (BUDGET_EXCEEDED).",
  });

export const problemResource = z
  .object({
    type: z
      .enum(problemTypes.map((entry) => entry.type) as [string, ...string[]])
      .meta({ description: "A URI reference to this problem's documentation: one per code, and one each for 405, 413 and 415." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(appErrorCodes as [string, ...string[]]).meta({ description: "The closed set of SPEC §4; switch on this, never on the text." }),
    retryAfterSeconds: z.number().int().optional(),
    requiredCredits: z.number().int().optional(),
    availableCredits: z.number().int().optional(),
    activeJobs: z.number().int().optional(),
    requiredScope: z.enum(apiKeyScopes).optional(),
    budget: exceededBudgetResource.optional(),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional(),
  })
  .meta({
    id: "Problem",
    description: "An RFC 9457 problem document (`application/problem+json`).",
    example: {
      type: "/docs/api#problem-insufficient-credits", title: "Not enough credits.", status: 402,
      detail: "You need 4 more credits.", code: "INSUFFICIENT_CREDITS", requiredCredits: 4, availableCredits: 0,
    },
  });
