import { describe, expect, it } from "vitest";

import * as providers from "~/server/providers";

describe("createProvider", () => {
  it("builds the sandbox provider with the configured latency", async () => {
    const provider = providers.createProvider({ provider: "sandbox", sandboxLatencyMs: 0 });
    expect(provider.name).toBe("sandbox");
    const output = await provider.generate({
      jobId: "job_1",
      modelId: "m",
      kind: "text",
      prompt: "a comet",
      index: 0,
      outputs: 1,
      signal: new AbortController().signal,
    });
    expect(output.mimeType).toBe("text/plain");
  });

  it("builds the openai-compatible provider from its settings", () => {
    const provider = providers.createProvider({
      provider: "openai-compatible",
      sandboxLatencyMs: 0,
      openai: { baseUrl: "http://127.0.0.1:1/v1", textModel: "t", imageModel: "i", timeoutMs: 1000 },
    });
    expect(provider.name).toBe("openai-compatible");
  });

  it("fails at start-up when openai-compatible has no settings", () => {
    const create = () => providers.createProvider({ provider: "openai-compatible", sandboxLatencyMs: 0 });
    expect(create).toThrow(/openai settings/);
  });

  it("re-exports the error class and the magic words", () => {
    expect(new providers.ProviderError("x", "job", "X")).toBeInstanceOf(Error);
    expect(providers.MAGIC_WORDS.length).toBe(4);
    expect(providers.parseMagicWords("#slow").slow).toBe(true);
  });
});
