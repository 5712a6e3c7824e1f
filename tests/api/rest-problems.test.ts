import { randomUUID } from "node:crypto";

import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, describe, expect, it } from "vitest";

import ApiDocsPage from "~/app/docs/api/page";
import { bodyBytesMax } from "~/server/rest/handler";
import { openApiDocument } from "~/server/rest/openapi";
import { problemTypes } from "~/server/rest/problem-types";
import { problemResource } from "~/server/rest/resources";

import { createUser } from "../helpers";
import { keyFor, restJobBody, serveRest } from "../fixtures/rest";

// Problem documents a program can act on: a failure of the HTTP exchange
// (405, 413, 415) has its own type and title, not "Some fields are not
// valid."; an unknown field is named once, in our words; a page size out of
// range says what is allowed.

const rest = await serveRest();
afterAll(() => rest.close());

type Response = Awaited<ReturnType<typeof rest.request>>;

function problemOf(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain("application/problem+json");
  return problemResource.parse(response.json);
}

async function apiKey() {
  return keyFor(await createUser({ balance: 100 }));
}

describe("HTTP problems have their own types and titles", () => {
  it("405 Method not allowed, with Allow", async () => {
    const key = await apiKey();
    for (const response of [await rest.request("DELETE", "/jobs", { key }), await rest.request("POST", "/openapi.json")]) {
      const problem = problemOf(response, 405);
      expect(problem).toMatchObject({ type: "/docs/api#problem-method-not-allowed", title: "Method not allowed.", code: "VALIDATION_ERROR" });
      expect(response.headers.get("allow")).toBeTruthy();
    }
  });

  it("413 Request body too large", async () => {
    const key = await apiKey();
    const huge = JSON.stringify({ ...restJobBody(), prompt: "x".repeat(bodyBytesMax) });
    const response = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), headers: { "content-type": "application/json" }, rawBody: huge });
    expect(problemOf(response, 413)).toMatchObject({ type: "/docs/api#problem-content-too-large", title: "Request body too large.", code: "VALIDATION_ERROR" });
  });

  it("415 Unsupported media type, with Accept-Post", async () => {
    const key = await apiKey();
    const response = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), headers: { "content-type": "text/plain" }, rawBody: "hello" });
    expect(problemOf(response, 415)).toMatchObject({ type: "/docs/api#problem-unsupported-media-type", title: "Unsupported media type.", code: "VALIDATION_ERROR" });
    expect(response.headers.get("accept-post")).toBe("application/json");
  });

  it("a bad field keeps the validation type and title", async () => {
    const key = await apiKey();
    const response = await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 9 }) });
    expect(problemOf(response, 400)).toMatchObject({ type: "/docs/api#problem-validation-error", title: "Some fields are not valid." });
  });
});

describe("field messages", () => {
  it("an unknown field is named once, by its own key, in our words", async () => {
    const key = await apiKey();
    const body = problemOf(await rest.request("POST", "/jobs", { key, idempotencyKey: randomUUID(), body: { ...restJobBody(), colour: "red" } }), 400);
    expect(body.fieldErrors).toEqual({ colour: ["Unknown field."] });
    const query = problemOf(await rest.request("GET", "/jobs?colour=red&size=9", { key }), 400);
    expect(query.fieldErrors).toEqual({ colour: ["Unknown field."], size: ["Unknown field."] });
  });

  it.each(["0", "101", "1.5", "abc", ""])("limit=%s says what a page size may be", async (limit) => {
    const key = await apiKey();
    for (const path of ["/jobs", "/ledger"]) {
      const problem = problemOf(await rest.request("GET", `${path}?limit=${limit}`, { key }), 400);
      expect(problem.fieldErrors, `${path}?limit=${limit}`).toEqual({ limit: ["A whole number from 1 to 100."] });
    }
  });
});

describe("the problem types are documented", () => {
  it("each has an anchor on /docs/api and is listed in the OpenAPI document", () => {
    const html = renderToStaticMarkup(createElement(ApiDocsPage));
    const document = openApiDocument();
    const listed = (document.components?.schemas?.Problem as { properties: { type: { enum: string[] } } }).properties.type.enum;
    expect(listed).toEqual(problemTypes.map((problem) => problem.type));
    for (const problem of problemTypes) {
      expect(html, problem.type).toContain(`id="${problem.type.split("#")[1]}"`);
      expect(document.info.description, problem.type).toContain(problem.type);
    }
    expect(listed).toEqual(expect.arrayContaining(["/docs/api#problem-method-not-allowed", "/docs/api#problem-content-too-large", "/docs/api#problem-unsupported-media-type"]));
  });
});
