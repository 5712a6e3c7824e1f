import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from "~/server/providers/openai-compatible";
import { ProviderError, type GenerationRequest } from "~/server/providers/types";

const apiKey = "sk-test-0123456789abcdef";
/** A real 1×1 PNG, as an image endpoint would return it. */
const pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

type ReceivedRequest = { method: string; url: string; headers: IncomingMessage["headers"]; body: unknown };
type Handler = (request: ReceivedRequest, response: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const received: ReceivedRequest[] = [];

/** Sends a JSON body with the given status. */
function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** The imitation of the two endpoints that a test does not override. */
const defaultHandler: Handler = (request, response) => {
  if (request.url === "/v1/chat/completions") {
    const message = { role: "assistant", content: "Once upon a time." };
    sendJson(response, 200, { id: "chatcmpl-1", choices: [{ index: 0, message }] });
  } else if (request.url === "/v1/images/generations") {
    sendJson(response, 200, { created: 1, data: [{ b64_json: pngBase64 }] });
  } else {
    sendJson(response, 404, { error: { message: "Unknown endpoint." } });
  }
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const entry = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      received.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  // Hanging handlers keep sockets open; close them so the server can stop.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  handler = defaultHandler;
  received.length = 0;
});

function makeProvider(overrides: Partial<OpenAICompatibleProviderOptions> = {}) {
  return createOpenAICompatibleProvider({
    baseUrl,
    apiKey,
    textModel: "gpt-test",
    imageModel: "img-test",
    timeoutMs: 2000,
    ...overrides,
  });
}

function makeRequest(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    jobId: "job_1",
    modelId: "story",
    kind: "text",
    prompt: "Tell me about the sea",
    index: 0,
    outputs: 1,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Asserts the rejection is a ProviderError with `code`, scoped to the output, that does not leak the key. */
async function expectProviderError(promise: Promise<unknown>, code: string): Promise<ProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  expect(providerError).toMatchObject({ scope: "output", code });
  expect(providerError.message).not.toContain(apiKey);
  expect(String(providerError.stack)).not.toContain(apiKey);
  return providerError;
}

describe("openai-compatible provider: success", () => {
  it("is named openai-compatible", () => {
    expect(makeProvider().name).toBe("openai-compatible");
  });

  it("generates text through /chat/completions with a bearer token", async () => {
    const output = await makeProvider().generate(makeRequest());
    expect(output).toEqual({ mimeType: "text/plain", content: "Once upon a time." });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: "gpt-test", messages: [{ role: "user", content: "Tell me about the sea" }] },
    });
    expect(received[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(received[0]?.headers["content-type"]).toBe("application/json");
  });

  it("generates a PNG through /images/generations", async () => {
    const provider = makeProvider({ baseUrl: `${baseUrl}/` });
    const output = await provider.generate(makeRequest({ kind: "image", prompt: "a red fox" }));
    expect(output).toEqual({ mimeType: "image/png", content: pngBase64 });
    expect(received[0]).toMatchObject({
      url: "/v1/images/generations",
      body: { model: "img-test", prompt: "a red fox", n: 1, response_format: "b64_json", size: "512x512" },
    });
  });

  it("sends no Authorization header without an API key", async () => {
    await makeProvider({ apiKey: undefined }).generate(makeRequest());
    expect(received[0]?.headers.authorization).toBeUndefined();
  });
});

describe("openai-compatible provider: failures", () => {
  it("maps 400 to PROVIDER_REJECTED, quoting the reason without the key", async () => {
    handler = (_, response) => sendJson(response, 400, { error: { message: `Bad prompt for key ${apiKey}` } });
    const error = await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_REJECTED");
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("Bad prompt");
    expect(error.message).toContain("[redacted]");
  });

  it("maps 401 to PROVIDER_REJECTED and 429 to PROVIDER_UNAVAILABLE", async () => {
    const unauthorized = { error: { message: `Incorrect API key provided: ${apiKey}.` } };
    handler = (_, response) => sendJson(response, 401, unauthorized);
    await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_REJECTED");
    handler = (_, response) => sendJson(response, 429, { error: { message: "Slow down." } });
    await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_UNAVAILABLE");
  });

  it("maps 500 to PROVIDER_UNAVAILABLE, even with a non-JSON body", async () => {
    handler = (_, response) => {
      response.writeHead(500, { "content-type": "text/html" });
      response.end("<h1>Internal Server Error</h1>");
    };
    const error = await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_UNAVAILABLE");
    expect(error.message).toContain("HTTP 500");
  });

  it("rejects a malformed JSON body", async () => {
    handler = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"choices": [');
    };
    await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_INVALID_RESPONSE");
  });

  it("rejects JSON of the wrong shape", async () => {
    handler = (_, response) => sendJson(response, 200, { choices: [] });
    await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_INVALID_RESPONSE");
    handler = (_, response) => sendJson(response, 200, { choices: [{ message: { content: null } }] });
    await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_INVALID_RESPONSE");
    handler = (_, response) => sendJson(response, 200, { data: [{ url: "https://example.com/a.png" }] });
    await expectProviderError(makeProvider().generate(makeRequest({ kind: "image" })), "PROVIDER_INVALID_RESPONSE");
  });

  it("rejects an image that is not base64 PNG", async () => {
    handler = (_, response) => sendJson(response, 200, { data: [{ b64_json: "not base64!" }] });
    await expectProviderError(makeProvider().generate(makeRequest({ kind: "image" })), "PROVIDER_INVALID_RESPONSE");
    const jpegBase64 = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]).toString("base64");
    handler = (_, response) => sendJson(response, 200, { data: [{ b64_json: jpegBase64 }] });
    await expectProviderError(makeProvider().generate(makeRequest({ kind: "image" })), "PROVIDER_INVALID_RESPONSE");
  });

  it("refuses a body declared larger than the limit", async () => {
    handler = (_, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": String(64 * 1024 * 1024) });
      response.write("{");
    };
    await expectProviderError(makeProvider().generate(makeRequest()), "PROVIDER_INVALID_RESPONSE");
  });

  it("maps a refused connection to PROVIDER_UNAVAILABLE", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const provider = makeProvider({ baseUrl: `http://127.0.0.1:${port}/v1` });
    await expectProviderError(provider.generate(makeRequest()), "PROVIDER_UNAVAILABLE");
  });
});

describe("openai-compatible provider: time limits", () => {
  it("gives up with PROVIDER_UNAVAILABLE when the server never answers", async () => {
    handler = () => {};
    const startedAt = performance.now();
    const generation = makeProvider({ timeoutMs: 200 }).generate(makeRequest());
    const error = await expectProviderError(generation, "PROVIDER_UNAVAILABLE");
    // The server never answers, so only the provider's own timer can end it.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
    expect(error.message).toContain("200 ms");
  });

  it("counts the body against the timeout when the server stalls after the headers", async () => {
    handler = (_, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"choices": [');
    };
    await expectProviderError(makeProvider({ timeoutMs: 200 }).generate(makeRequest()), "PROVIDER_UNAVAILABLE");
  });

  it("passes the caller's abort on as an abort, not a provider failure", async () => {
    handler = () => {};
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    // The server never answers and the timeout is 60 s: only the abort ends it.
    const generation = makeProvider({ timeoutMs: 60_000 }).generate(makeRequest({ signal: controller.signal }));
    await expect(generation).rejects.toMatchObject({ name: "AbortError" });
    await expect(generation).rejects.not.toBeInstanceOf(ProviderError);
  });

  it("does not call the server when the signal is already aborted", async () => {
    await expect(makeProvider().generate(makeRequest({ signal: AbortSignal.abort() }))).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(received).toHaveLength(0);
  });

  it("refuses a non-positive timeout", () => {
    expect(() => makeProvider({ timeoutMs: 0 })).toThrow(RangeError);
  });
});
