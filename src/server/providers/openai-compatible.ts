import { z } from "zod";

import { ProviderError, type GeneratedOutput, type GenerationProvider, type GenerationRequest } from "./types";

/** Options of `createOpenAICompatibleProvider`. */
export type OpenAICompatibleProviderOptions = {
  /** API root without the endpoint, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set; never echoed in errors. */
  apiKey?: string;
  textModel: string;
  imageModel: string;
  /** Budget for one output, request and response body included. */
  timeoutMs: number;
  /** Injected in tests; the global `fetch` otherwise. */
  fetchImpl?: typeof fetch;
};

/** The codes this provider's `ProviderError`s carry; all are scope "output". */
export const OPENAI_COMPATIBLE_ERROR_CODES = {
  /** The provider refused this request (4xx other than 429): retrying will not help. */
  rejected: "PROVIDER_REJECTED",
  /** Rate limited, 5xx, network failure or timeout: a later retry may succeed. */
  unavailable: "PROVIDER_UNAVAILABLE",
  /** A 2xx whose body is not the documented shape. */
  invalidResponse: "PROVIDER_INVALID_RESPONSE",
} as const;

/** Provider error texts are quoted in our messages, but never at full length. */
const providerMessageCharsMax = 300;
/** A 512×512 PNG in base64 is well under 1 MB; this leaves room for bigger images. */
const responseBytesMax = 16 * 1024 * 1024;
/** The images endpoint is asked for this size; the sandbox draws at the same size. */
const imageSize = "512x512";
/** Every PNG starts with these bytes (89 50 4E 47 0D 0A 1A 0A), base64-encoded. */
const pngBase64Prefix = "iVBORw0KGgo";

const chatCompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().min(1) }) })).min(1),
});
const imageGenerationSchema = z.object({
  data: z.array(z.object({ b64_json: z.string().min(1) })).min(1),
});
/** OpenAI-style error bodies: `{ "error": { "message": "…" } }`. */
const errorBodySchema = z.object({ error: z.object({ message: z.string() }) });

type Endpoint = { path: string; body: unknown };

/**
 * An adapter for any server that speaks the OpenAI chat-completions and
 * image-generations endpoints. Every failure becomes a `ProviderError` of
 * scope "output" (codes in `OPENAI_COMPATIBLE_ERROR_CODES`), except an abort
 * by the caller's signal, which rejects with that signal's reason. No error
 * message ever contains the API key.
 */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): GenerationProvider {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}.`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const redact = (text: string): string =>
    options.apiKey ? text.split(options.apiKey).join("[redacted]") : text;
  return {
    name: "openai-compatible",
    async generate(request) {
      const endpoint = buildEndpoint(request, options);
      const json = await postJson(`${baseUrl}${endpoint.path}`, endpoint.body, request.signal, options, redact);
      return request.kind === "image" ? parseImage(json) : parseText(json);
    },
  };
}

function buildEndpoint(request: GenerationRequest, options: OpenAICompatibleProviderOptions): Endpoint {
  if (request.kind === "image") {
    return {
      path: "/images/generations",
      body: { model: options.imageModel, prompt: request.prompt, n: 1, response_format: "b64_json", size: imageSize },
    };
  }
  return {
    path: "/chat/completions",
    body: { model: options.textModel, messages: [{ role: "user", content: request.prompt }] },
  };
}

/**
 * POSTs JSON and returns the parsed 2xx body. The timeout covers reading the
 * body too, because a server can send headers and then stall.
 */
async function postJson(
  url: string,
  body: unknown,
  callerSignal: AbortSignal,
  options: OpenAICompatibleProviderOptions,
  redact: (text: string) => string,
): Promise<unknown> {
  callerSignal.throwIfAborted();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  try {
    const response = await (options.fetchImpl ?? fetch)(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.any([callerSignal, timeout.signal]),
    });
    const text = await readBodyText(response);
    if (!response.ok) throw httpError(response.status, text, redact);
    return parseJsonBody(text);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    // The caller's abort is a cancellation, not a provider failure: pass it on.
    if (callerSignal.aborted) throw callerSignal.reason;
    if (timeout.signal.aborted) {
      throw new ProviderError(
        `The provider did not answer within ${options.timeoutMs} ms.`,
        "output",
        OPENAI_COMPATIBLE_ERROR_CODES.unavailable,
      );
    }
    throw new ProviderError(
      `The provider could not be reached: ${truncate(redact(describeNetworkError(error)), providerMessageCharsMax)}`,
      "output",
      OPENAI_COMPATIBLE_ERROR_CODES.unavailable,
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the body as text, refusing more than `responseBytesMax` so a broken
 * or hostile server cannot make the worker buffer without bound.
 */
async function readBodyText(response: Response): Promise<string> {
  const declaredBytes = Number(response.headers.get("content-length") ?? 0);
  if (declaredBytes > responseBytesMax) {
    await response.body?.cancel();
    throw invalidResponse(`the body is larger than ${responseBytesMax} bytes`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > responseBytesMax) {
      await reader.cancel();
      throw invalidResponse(`the body is larger than ${responseBytesMax} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * Maps a non-2xx status to an error code. Only a 4xx other than 429 means
 * "this request will never work"; anything else may pass on a later try.
 */
function httpError(status: number, bodyText: string, redact: (text: string) => string): ProviderError {
  const rejected = status >= 400 && status < 500 && status !== 429;
  const parsed = errorBodySchema.safeParse(safeJsonParse(bodyText));
  const reason = parsed.success ? `: ${truncate(redact(parsed.data.error.message), providerMessageCharsMax)}` : ".";
  return new ProviderError(
    `The provider answered HTTP ${status}${reason}`,
    "output",
    rejected ? OPENAI_COMPATIBLE_ERROR_CODES.rejected : OPENAI_COMPATIBLE_ERROR_CODES.unavailable,
  );
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidResponse("the body is not JSON");
  }
}

function parseText(json: unknown): GeneratedOutput {
  const parsed = chatCompletionSchema.safeParse(json);
  const content = parsed.data?.choices[0]?.message.content;
  if (content === undefined) throw invalidResponse("expected choices[0].message.content to be a non-empty string");
  return { mimeType: "text/plain", content };
}

/** Only PNG is accepted, so the declared MIME type is always the true one. */
function parseImage(json: unknown): GeneratedOutput {
  const parsed = imageGenerationSchema.safeParse(json);
  const base64 = parsed.data?.data[0]?.b64_json.replace(/\s+/g, "");
  if (base64 === undefined) throw invalidResponse("expected data[0].b64_json to be a non-empty string");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw invalidResponse("data[0].b64_json is not valid base64");
  }
  if (!base64.startsWith(pngBase64Prefix)) throw invalidResponse("data[0].b64_json is not a PNG image");
  return { mimeType: "image/png", content: base64 };
}

function invalidResponse(detail: string): ProviderError {
  return new ProviderError(
    `The provider sent an unexpected response: ${detail}.`,
    "output",
    OPENAI_COMPATIBLE_ERROR_CODES.invalidResponse,
  );
}

function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Node's fetch hides the useful part ("ECONNREFUSED …") in `cause`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

function truncate(text: string, charsMax: number): string {
  return text.length <= charsMax ? text : `${text.slice(0, charsMax - 1)}…`;
}
