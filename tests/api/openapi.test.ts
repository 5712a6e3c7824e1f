import { randomUUID } from "node:crypto";

import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, describe, expect, it } from "vitest";

import { documentedRoutes } from "~/server/rest/openapi";

import { createUser } from "../helpers";
import { keyFor, restJobBody, serveRest } from "../fixtures/rest";

// The OpenAPI 3.1 document served at /api/v1/openapi.json: public, valid
// JSON, every route described with its security, headers and problem
// responses, every $ref resolvable, every schema valid JSON Schema 2020-12
// — and the server's real answers validate against the schemas it states.

const rest = await serveRest();
afterAll(() => rest.close());

type Operation = {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
type Document = {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme: string }> };
};

const served = await rest.request("GET", "/openapi.json");
const document = served.json as unknown as Document;

function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found);
  else if (value && typeof value === "object") {
    for (const [name, item] of Object.entries(value)) {
      if (name === "$ref" && typeof item === "string") found.push(item);
      else refsOf(item, found);
    }
  }
  return found;
}

/** A validator of the response schema of (method, path, status), with the components to resolve refs. */
function validatorFor(method: string, path: string, status: number, mediaType = "application/json") {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: "doc", components: document.components }, "doc");
  const schema = document.paths[path]?.[method]?.responses[String(status)]?.content?.[mediaType]?.schema;
  expect(schema, `${method} ${path} ${status} has a ${mediaType} schema`).toBeDefined();
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')) as object;
  return ajv.compile(rewritten);
}

describe("OpenAPI document", () => {
  it("is served without a key as JSON, OpenAPI 3.1, with the bearer scheme", () => {
    expect(served.status).toBe(200);
    expect(served.contentType).toContain("application/json");
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("describes every route of the router, each secured, with problem responses; POST /jobs requires Idempotency-Key", () => {
    expect(documentedRoutes.length).toBeGreaterThanOrEqual(6);
    const described = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(described.sort()).toEqual(documentedRoutes.map((route) => `${route.method} ${route.path}`).sort());
    for (const { method, path } of documentedRoutes) {
      const operation = document.paths[path]![method]!;
      expect(operation.security, `${method} ${path}`).toEqual([{ apiKey: [] }]);
      for (const status of ["400", "401", "403", "500"]) {
        expect(operation.responses[status]?.content?.["application/problem+json"], `${method} ${path} ${status}`).toBeDefined();
      }
    }
    const create = document.paths["/jobs"]!.post!;
    expect(create.parameters).toContainEqual(expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }));
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "402", "422", "429"]));
  });

  it("every $ref resolves and every component schema compiles as JSON Schema 2020-12", () => {
    for (const ref of refsOf(document)) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect((document.components as Record<string, Record<string, unknown>>)[kind!]?.[name!], ref).toBeDefined();
    }
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: "doc", components: document.components }, "doc");
    for (const name of Object.keys(document.components.schemas)) {
      expect(() => ajv.getSchema(`doc#/components/schemas/${name}`)).not.toThrow();
    }
  });

  it("the server's real responses validate against the document's schemas", async () => {
    const user = await createUser({ balance: 100 });
    const key = await keyFor(user);
    const created = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody() });
    const id = String(created.json.id);
    const checks: [string, string, Awaited<ReturnType<typeof rest.request>>][] = [
      ["post", "/jobs", created],
      ["get", "/jobs", await rest.request("GET", "/jobs", { key })],
      ["get", "/jobs/{id}", await rest.request("GET", `/jobs/${id}`, { key })],
      ["post", "/jobs/{id}/cancel", await rest.request("POST", `/jobs/${id}/cancel`, { key })],
      ["get", "/balance", await rest.request("GET", "/balance", { key })],
      ["get", "/ledger", await rest.request("GET", "/ledger", { key })],
      ["post", "/jobs/{id}/cancel", await rest.request("POST", `/jobs/${id}/cancel`, { key })],
      ["post", "/jobs", await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 9 }) })],
    ];
    for (const [method, path, response] of checks) {
      const mediaType = response.status >= 400 ? "application/problem+json" : "application/json";
      const validate = validatorFor(method, path, response.status, mediaType);
      expect(validate(response.json), `${method} ${path} ${response.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
