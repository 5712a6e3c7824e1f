import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

import { PageHeader } from "~/components/page-header";
import { Badge } from "~/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { env } from "~/env.js";
import { appErrors } from "~/server/errors";
import { openApiDocument } from "~/server/rest/openapi";
import { problemTypeOf, problemTypes } from "~/server/rest/problem-types";
import { restBasePath } from "~/server/rest/handler";

export const metadata: Metadata = { title: "API reference" };

/*
 * The API reference, rendered on the server from the very OpenAPI document
 * served at /api/v1/openapi.json (generated from the zod schemas). A
 * hand-built renderer rather than a bundled viewer: no client JavaScript,
 * nothing fetched from a CDN (the CSP allows neither), and it fits a phone.
 */

type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: { type?: string; enum?: string[] } };
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { description: string }>;
};

const methods = ["get", "post"] as const;

function operationsOf(): { method: string; path: string; operation: Operation }[] {
  const paths = (openApiDocument().paths ?? {}) as Record<string, Partial<Record<(typeof methods)[number], Operation>>>;
  return Object.entries(paths).flatMap(([path, item]) =>
    methods.flatMap((method) => (item[method] ? [{ method: method.toUpperCase(), path, operation: item[method] }] : [])),
  );
}

function exampleBody(operation: Operation): unknown {
  return operation.requestBody?.content["application/json"]?.example;
}

function curlOf(baseUrl: string, method: string, path: string, operation: Operation): string {
  const url = `${baseUrl}${restBasePath}${path.replace("{id}", "$JOB_ID")}`;
  const lines = [`curl${method === "GET" ? "" : ` -X ${method}`} "${url}"`, `  -H "Authorization: Bearer $CREDITWORKS_API_KEY"`];
  if (operation.parameters?.some((parameter) => parameter.name === "Idempotency-Key" && parameter.required)) {
    lines.push(`  -H "Idempotency-Key: $(uuidgen)"`);
  }
  const body = exampleBody(operation);
  if (body !== undefined) lines.push(`  -H "Content-Type: application/json"`, `  -d '${JSON.stringify(body)}'`);
  return lines.join(" \\\n");
}

function typescriptOf(baseUrl: string, method: string, path: string, operation: Operation): string {
  const url = `${baseUrl}${restBasePath}${path.replace("{id}", "${jobId}")}`;
  const headers = ["    Authorization: `Bearer ${process.env.CREDITWORKS_API_KEY}`,"];
  const body = exampleBody(operation);
  if (operation.parameters?.some((parameter) => parameter.name === "Idempotency-Key" && parameter.required)) {
    headers.push(`    "Idempotency-Key": idempotencyKey, // one per intent: reuse it when retrying`);
  }
  if (body !== undefined) headers.push(`    "Content-Type": "application/json",`);
  return [
    ...(headers.length > 1 && body !== undefined ? ["const idempotencyKey = crypto.randomUUID();"] : []),
    `const response = await fetch(\`${url}\`, {`,
    `  method: "${method}",`,
    `  headers: {`,
    ...headers,
    `  },`,
    ...(body !== undefined ? [`  body: JSON.stringify(${JSON.stringify(body)}),`] : []),
    `});`,
    `if (!response.ok) {`,
    `  const problem = await response.json(); // application/problem+json`,
    `  throw new Error(\`\${problem.code}: \${problem.detail}\`);`,
    `}`,
    `const data = await response.json();`,
  ].join("\n");
}

function Code({ label, children }: { label: string; children: string }) {
  return (
    <figure className="flex min-w-0 flex-col gap-1">
      <figcaption className="text-xs font-medium text-muted-foreground">{label}</figcaption>
      <pre className="max-w-full overflow-x-auto rounded-md border bg-muted/50 p-3 text-xs leading-relaxed" tabIndex={0}>
        <code>{children}</code>
      </pre>
    </figure>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card aria-labelledby={`${id}-title`} id={id}>
      <CardHeader><CardTitle id={`${id}-title`}>{title}</CardTitle></CardHeader>
      <CardContent className="flex flex-col gap-4 text-sm leading-relaxed">{children}</CardContent>
    </Card>
  );
}

const budgetExample = {
  type: problemTypeOf("BUDGET_EXCEEDED"), title: appErrors.BUDGET_EXCEEDED.message, status: 402,
  detail: "This job costs 4 credits and would go over this API key's monthly budget: 2 of 50 credits left. It resets on 2027-01-01.",
  code: "BUDGET_EXCEEDED",
  budget: {
    id: "42", scope: "API_KEY", period: "MONTH", apiKeyId: "5f0e6c1e-8a4b-4d5e-9a6b-2f1c3d4e5f60",
    limitCredits: 50, spentCredits: 48, remainingCredits: 2, resetsAt: "2027-01-01T00:00:00.000Z",
  },
};

export default function ApiDocsPage() {
  const baseUrl = env.APP_URL;
  const operations = operationsOf();
  return (
    <>
      <PageHeader
        title="API reference"
        description={<>The Creditworks REST API at <code className="break-all">{baseUrl}{restBasePath}</code>: the same jobs, limits and guarantees as the app.</>}
      />
      <div className="flex max-w-4xl flex-col gap-6">
        <nav aria-label="On this page" className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          <a className="underline underline-offset-2" href="#authentication">Authentication</a>
          <a className="underline underline-offset-2" href="#idempotency">Idempotency</a>
          <a className="underline underline-offset-2" href="#errors">Errors</a>
          <a className="underline underline-offset-2" href="#endpoints">Endpoints</a>
          <a className="underline underline-offset-2" href={`${restBasePath}/openapi.json`}>OpenAPI 3.1 document</a>
        </nav>

        <Section id="authentication" title="Authentication">
          <p>
            Create a key on <Link className="underline underline-offset-2" href="/settings/api-keys">Settings → API keys</Link> and send it as a
            bearer token. A key acts as you, within its scopes, and never reaches admin functions. A revoked key fails from its next request.
          </p>
          <Code label="Header">{"Authorization: Bearer cw_live_…"}</Code>
          <ul className="list-disc pl-5">
            <li><code>jobs:read</code>: list jobs, read a job and its outputs.</li>
            <li><code>jobs:write</code>: create jobs (spends credits) and cancel them.</li>
            <li><code>credits:read</code>: the balance and the ledger.</li>
          </ul>
        </Section>

        <Section id="idempotency" title="Idempotency">
          <p>
            <code>POST /jobs</code> requires an <code>Idempotency-Key</code> header: a fresh UUID for each job you mean to create, reused when you
            retry that same request (a timeout, a 503). For at least 24 hours:
          </p>
          <ul className="list-disc pl-5">
            <li>the same key and body return the original response (status, <code>Location</code> and body, byte for byte, as it was then) with <code>Idempotent-Replayed: true</code>, and charge nothing;</li>
            <li>the same key with another body is refused with 422 <code>IDEMPOTENCY_KEY_REUSED</code>;</li>
            <li>concurrent requests with one key create one job; the others wait for it and get its replay.</li>
          </ul>
          <p>
            Only completed responses are stored. A refusal (400, 402, 409, 429, 503) changed nothing, so retrying it with the same key is evaluated afresh.
            <code> POST /jobs/{"{id}"}/cancel</code> accepts a key too.
          </p>
        </Section>

        <Section id="errors" title="Errors">
          <p>
            Failures are <a className="underline underline-offset-2" href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457</a> problem documents
            (<code>application/problem+json</code>). Switch on <code>code</code>, never on the text; 429 responses carry a <code>Retry-After</code> header.
            Each <code>type</code> below is where a problem is explained: one per code, and one each for the refusals of the HTTP exchange itself
            (405, 413, 415), whose code is <code>VALIDATION_ERROR</code>.
          </p>
          <Code label="Example">{JSON.stringify({ type: problemTypeOf("INSUFFICIENT_CREDITS"), title: appErrors.INSUFFICIENT_CREDITS.message, status: 402, detail: "You need 4 more credits.", code: "INSUFFICIENT_CREDITS", requiredCredits: 4, availableCredits: 0 }, null, 2)}</Code>
          <p>
            A job that would go over a budget (the account&apos;s, or that of the API key sending it) is refused with 402 <code>BUDGET_EXCEEDED</code>{" "}
            and charges nothing; <code>budget</code> says which budget, what is left and when it resets (<code>null</code>: a total budget never resets).
          </p>
          <Code label="Example">{JSON.stringify(budgetExample, null, 2)}</Code>
          <dl className="flex flex-col divide-y rounded-md border" aria-label="Problem types">
            {problemTypes.map((problem) => {
              const anchor = problem.type.split("#")[1]!;
              return (
                <div key={problem.type} id={anchor} className="flex flex-col gap-1 p-3 sm:flex-row sm:items-baseline sm:gap-3">
                  <dt className="flex shrink-0 items-center gap-2 sm:w-72">
                    <Badge variant="outline">{problem.status}</Badge>
                    <code className="break-all font-semibold">{problem.when ? anchor.replace(/^problem-/, "") : problem.code}</code>
                  </dt>
                  <dd className="text-muted-foreground">
                    {problem.title}
                    {problem.when ? <> Code <code>{problem.code}</code>; sent when {problem.when.replace(/`/g, "")}.</> : null}
                    {problem.fields ? <> With {problem.fields.replace(/`/g, "")}.</> : null}
                  </dd>
                </div>
              );
            })}
          </dl>
        </Section>

        <section aria-labelledby="endpoints-title" id="endpoints" className="flex flex-col gap-4">
          <h2 id="endpoints-title" className="text-lg font-semibold">Endpoints</h2>
          {operations.map(({ method, path, operation }) => (
            <Card key={operation.operationId} aria-labelledby={`${operation.operationId}-title`} id={operation.operationId}>
              <CardHeader>
                <CardTitle as="h3" id={`${operation.operationId}-title`} className="flex flex-wrap items-center gap-2 text-base">
                  <Badge variant={method === "GET" ? "info" : "success"}>{method}</Badge>
                  <code className="break-all">{path}</code>
                  <span className="font-normal text-muted-foreground">{operation.summary}</span>
                </CardTitle>
              </CardHeader>
              <CardContent className="flex flex-col gap-4 text-sm">
                {operation.description ? <p>{operation.description}</p> : null}
                {operation.parameters?.length ? (
                  <div>
                    <h4 className="mb-1 font-medium">Parameters</h4>
                    <ul className="flex flex-col gap-1">
                      {operation.parameters.map((parameter) => (
                        <li key={`${parameter.in}-${parameter.name}`} className="break-words">
                          <code>{parameter.name}</code> <span className="text-muted-foreground">({parameter.in}{parameter.required ? ", required" : ""}
                          {parameter.schema?.enum ? `: ${parameter.schema.enum.join(" | ")}` : parameter.schema?.type ? `: ${parameter.schema.type}` : ""})</span>
                          {parameter.description ? ` — ${parameter.description}` : ""}
                        </li>
                      ))}
                    </ul>
                  </div>
                ) : null}
                <div>
                  <h4 className="mb-1 font-medium">Responses</h4>
                  <ul className="flex flex-col gap-1">
                    {Object.entries(operation.responses).map(([status, response]) => (
                      <li key={status} className="break-words"><Badge variant="outline">{status}</Badge> {response.description}</li>
                    ))}
                  </ul>
                </div>
                <Code label="curl">{curlOf(baseUrl, method, path, operation)}</Code>
                <Code label="TypeScript (fetch)">{typescriptOf(baseUrl, method, path, operation)}</Code>
              </CardContent>
            </Card>
          ))}
        </section>
      </div>
    </>
  );
}
