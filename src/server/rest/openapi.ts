import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

import {
  idempotencyKeyValue,
  jobId,
  restCreateJobBody,
  restLedgerQuery,
  restListJobsQuery,
} from "~/shared/schemas/jobs";
import { appErrors, type AppErrorCode } from "~/server/errors";
import { httpProblems, problemTypeOf, problemTypes } from "~/server/rest/problem-types";
import {
  balanceResource,
  jobPageResource,
  jobResource,
  jobWithOutputsResource,
  ledgerPageResource,
  problemResource,
} from "~/server/rest/resources";
import { routes } from "~/server/rest/routes";

type ProblemStatus = { status: number; description: string };

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemResource } },
});

function problemsOf(statuses: ProblemStatus[]) {
  return Object.fromEntries(statuses.map(({ status, description }) => [status, problem(description)]));
}

const common: ProblemStatus[] = [
  { status: 400, description: "VALIDATION_ERROR: bad input, with `fieldErrors`." },
  { status: 401, description: "UNAUTHORIZED: no API key, or an unknown or revoked one." },
  { status: 403, description: "FORBIDDEN: the key lacks the route's scope (`requiredScope`)." },
  { status: 500, description: "INTERNAL: a generic message, nothing internal." },
];

const idempotencyHeader = idempotencyKeyValue.meta({
  description: "A fresh value (a UUID v4) per intent. The same key and body replay the stored response for at least 24 hours.",
  example: "5f0e6c1e-8a4b-4d5e-9a6b-2f1c3d4e5f60",
});

const replayedHeader = {
  "Idempotent-Replayed": {
    description: "`true` when this is the stored response of an earlier request with the same Idempotency-Key.",
    schema: { type: "string" as const, enum: ["true"] },
  },
};

function buildDocument() {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key from Settings → API keys: `Authorization: Bearer cw_live_…`.",
  });
  const security = [{ [bearer.name]: [] }];
  const jobParams = z.object({ id: jobId.meta({ description: "The job id.", example: "0b6f4c55-5a0e-4a4b-9d0f-4f3c2f1f8a11" }) });

  registry.registerPath({
    method: "post", path: "/jobs", operationId: "createJob", tags: ["Jobs"], security,
    summary: "Create a job",
    description: "Charges the job's full cost and queues it, in one transaction. Needs `jobs:write` and an `Idempotency-Key`.",
    request: {
      headers: z.object({ "Idempotency-Key": idempotencyHeader }),
      body: {
        required: true,
        content: {
          "application/json": {
            schema: restCreateJobBody,
            example: { modelId: "storyteller-v1", prompt: "A lighthouse keeper's cat", outputs: 2 },
          },
        },
      },
    },
    responses: {
      201: { description: "Created and charged.", headers: replayedHeader, content: { "application/json": { schema: jobResource } } },
      200: { description: "A replay whose stored response expired: the job as it is now.", headers: replayedHeader, content: { "application/json": { schema: jobResource } } },
      ...problemsOf([
        ...common,
        {
          status: 402,
          description:
            "INSUFFICIENT_CREDITS, with `requiredCredits` and `availableCredits`; or BUDGET_EXCEEDED " +
            `(type \`${problemTypeOf("BUDGET_EXCEEDED")}\`), with \`budget\`: which budget, what is left and when it resets. Nothing was charged.`,
        },
        { status: 413, description: `${httpProblems.CONTENT_TOO_LARGE.title} Type \`${problemTypeOf("CONTENT_TOO_LARGE")}\`, code VALIDATION_ERROR: ${httpProblems.CONTENT_TOO_LARGE.when}.` },
        { status: 415, description: `${httpProblems.UNSUPPORTED_MEDIA_TYPE.title} Type \`${problemTypeOf("UNSUPPORTED_MEDIA_TYPE")}\`, code VALIDATION_ERROR: ${httpProblems.UNSUPPORTED_MEDIA_TYPE.when}.` },
        { status: 422, description: "IDEMPOTENCY_KEY_REUSED: the key was used for another request." },
        { status: 429, description: "RATE_LIMIT_EXCEEDED or MAX_ACTIVE_JOBS; a `Retry-After` header and `retryAfterSeconds`." },
        { status: 503, description: "CONFLICT_RETRY: retry with the same key." },
      ]),
    },
  });
  registry.registerPath({
    method: "get", path: "/jobs", operationId: "listJobs", tags: ["Jobs"], security,
    summary: "List jobs", description: "Newest first. Needs `jobs:read`.",
    request: { query: restListJobsQuery },
    responses: { 200: { description: "A page of jobs.", content: { "application/json": { schema: jobPageResource } } }, ...problemsOf(common) },
  });
  registry.registerPath({
    method: "get", path: "/jobs/{id}", operationId: "getJob", tags: ["Jobs"], security,
    summary: "Get a job", description: "With its outputs. Needs `jobs:read`.",
    request: { params: jobParams },
    responses: {
      200: { description: "The job.", content: { "application/json": { schema: jobWithOutputsResource } } },
      ...problemsOf([...common, { status: 404, description: "NOT_FOUND: no such job of yours." }]),
    },
  });
  registry.registerPath({
    method: "post", path: "/jobs/{id}/cancel", operationId: "cancelJob", tags: ["Jobs"], security,
    summary: "Cancel a job",
    description: "Refunds the outputs not delivered. Needs `jobs:write`; an `Idempotency-Key` is optional.",
    request: { params: jobParams, headers: z.object({ "Idempotency-Key": idempotencyHeader.optional() }) },
    responses: {
      200: { description: "The cancelled job.", headers: replayedHeader, content: { "application/json": { schema: jobResource } } },
      ...problemsOf([
        ...common,
        { status: 404, description: "NOT_FOUND: no such job of yours." },
        { status: 409, description: "JOB_NOT_CANCELLABLE: the job already finished." },
        { status: 422, description: "IDEMPOTENCY_KEY_REUSED." },
      ]),
    },
  });
  registry.registerPath({
    method: "get", path: "/balance", operationId: "getBalance", tags: ["Credits"], security,
    summary: "Get the balance", description: "Needs `credits:read`.",
    responses: { 200: { description: "The balance.", content: { "application/json": { schema: balanceResource } } }, ...problemsOf(common) },
  });
  registry.registerPath({
    method: "get", path: "/ledger", operationId: "getLedger", tags: ["Credits"], security,
    summary: "Read the ledger", description: "Every credit movement, newest first. Needs `credits:read`.",
    request: { query: restLedgerQuery },
    responses: { 200: { description: "A page of the ledger.", content: { "application/json": { schema: ledgerPageResource } } }, ...problemsOf(common) },
  });

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Creditworks API",
      version: "1.0.0",
      description: [
        "Create generation jobs, follow them and read your credits from code.",
        "Errors are RFC 9457 problem documents whose `code` is one of: " +
          (Object.keys(appErrors) as AppErrorCode[]).map((code) => `\`${code}\``).join(", ") + ".",
        "Problem types (`type`, with `status` and `title`):\n\n" +
          problemTypes.map((entry) => `- \`${entry.type}\` (${entry.status}, code \`${entry.code}\`): ${entry.title}${entry.when ? ` Sent when ${entry.when}.` : ""}${entry.fields ? ` With ${entry.fields}.` : ""}`).join("\n"),
      ].join("\n\n"),
    },
    servers: [{ url: "/api/v1" }],
  });
}

let cached: ReturnType<typeof buildDocument> | null = null;

/** The OpenAPI 3.1 document of every route in `routes`, generated once from the zod schemas. */
export function openApiDocument() {
  cached ??= buildDocument();
  return cached;
}

/** The (method, path) pairs the document must describe: one per route. */
export const documentedRoutes = routes.map((route) => ({ method: route.method.toLowerCase(), path: route.path }));
