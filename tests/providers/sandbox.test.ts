import { afterEach, describe, expect, it, vi } from "vitest";

import { createSandboxProvider } from "~/server/providers/sandbox";
import { ProviderError, type GenerationRequest } from "~/server/providers/types";

/** A request with sensible defaults; tests override only what they exercise. */
function makeRequest(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    jobId: "job_123",
    modelId: "sandbox-image",
    kind: "image",
    prompt: "a lighthouse on a cliff at dusk",
    index: 0,
    outputs: 1,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Resolves to "pending" if `promise` has not settled within `waitMs`. */
async function stateAfter(promise: Promise<unknown>, waitMs: number): Promise<"pending" | "settled"> {
  const pending = new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), waitMs));
  return Promise.race([promise.then(() => "settled" as const, () => "settled" as const), pending]);
}

/** Tracks whether a promise has settled, for tests that drive fake timers. */
function settledFlag(promise: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(() => (flag.settled = true), () => (flag.settled = true));
  return flag;
}

afterEach(() => {
  vi.useRealTimers();
});

/** A minimal well-formedness check: every element opened is closed, in order. */
function tagsBalance(markup: string): boolean {
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of markup.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else if (name) {
      stack.push(name);
    }
  }
  return stack.length === 0;
}

const instant = createSandboxProvider({ latencyMs: 0 });

describe("sandbox provider: content", () => {
  it("is named sandbox", () => {
    expect(instant.name).toBe("sandbox");
  });

  it("is deterministic for the same job, prompt and index", async () => {
    for (const kind of ["image", "text"] as const) {
      const first = await instant.generate(makeRequest({ kind }));
      const again = await createSandboxProvider({ latencyMs: 0 }).generate(makeRequest({ kind, modelId: "other" }));
      expect(again).toEqual(first);
    }
  });

  it("varies with the index, the job and the prompt", async () => {
    const base = (await instant.generate(makeRequest({ outputs: 2 }))).content;
    const contents = await Promise.all([
      instant.generate(makeRequest({ index: 1, outputs: 2 })),
      instant.generate(makeRequest({ jobId: "job_456" })),
      instant.generate(makeRequest({ prompt: "a lighthouse on a cliff at noon" })),
    ]);
    for (const output of contents) expect(output.content).not.toBe(base);
  });

  it("draws a standalone 512×512 SVG of a few kilobytes", async () => {
    const output = await instant.generate(makeRequest());
    expect(output.mimeType).toBe("image/svg+xml");
    expect(output.content.startsWith("<svg")).toBe(true);
    expect(output.content.endsWith("</svg>")).toBe(true);
    expect(output.content).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(output.content).toContain('viewBox="0 0 512 512"');
    expect(tagsBalance(output.content)).toBe(true);
    const bytes = Buffer.byteLength(output.content);
    expect(bytes).toBeGreaterThan(1000);
    expect(bytes).toBeLessThan(4096);
  });

  it("escapes the prompt in the SVG title", async () => {
    const prompt = `Tom & "Jerry" <script>alert('x')</script>`;
    const output = await instant.generate(makeRequest({ prompt }));
    expect(output.content).toMatch(
      /<title[^>]*>Tom &amp; &quot;Jerry&quot; &lt;script&gt;alert\(&apos;x&apos;\)&lt;\/script&gt;<\/title>/,
    );
    expect(output.content).not.toContain("<script");
    expect(tagsBalance(output.content)).toBe(true);
  });

  it("keeps the SVG well-formed and small for hostile or huge prompts", async () => {
    const output = await instant.generate(makeRequest({ prompt: `bell\u0007 \ud800 ${"🐉".repeat(3000)}` }));
    expect(output.content).not.toMatch(/[\u0000-\u0008]/);
    expect(output.content).not.toMatch(/\ud800(?![\udc00-\udfff])/);
    expect(Buffer.byteLength(output.content)).toBeLessThan(4096);
  });

  it("uses ids unique to the output, so several SVGs can share a page", async () => {
    const [first, second] = await Promise.all([
      instant.generate(makeRequest({ index: 0, outputs: 2 })),
      instant.generate(makeRequest({ index: 1, outputs: 2 })),
    ]);
    const idsOf = (svg: string): string[] => [...svg.matchAll(/\bid="([^"]+)"/g)].map((match) => match[1] ?? "");
    const firstIds = idsOf(first.content);
    expect(firstIds.length).toBeGreaterThan(0);
    for (const id of idsOf(second.content)) expect(firstIds).not.toContain(id);
  });

  it("writes a short story that uses the prompt's words and not its tags", async () => {
    const prompt = "A Lighthouse keeper befriends a whale #fail-output-3";
    const output = await instant.generate(makeRequest({ kind: "text", prompt }));
    expect(output.mimeType).toBe("text/plain");
    expect(output.content.length).toBeGreaterThan(100);
    expect(output.content.toLowerCase()).toContain("lighthouse");
    expect(output.content).not.toContain("#");
    expect(output.content.split(/[.!?](?:\s|$)/).filter(Boolean).length).toBeGreaterThanOrEqual(3);
  });

  it("still writes a story for a prompt without usable words", async () => {
    const output = await instant.generate(makeRequest({ kind: "text", prompt: "!! ?? #slowly" }));
    expect(output.content.length).toBeGreaterThan(100);
  });
});

describe("sandbox provider: magic words", () => {
  it("#fail fails the whole job on the first output", async () => {
    const failing = instant.generate(makeRequest({ prompt: "castle #FAIL", outputs: 3 }));
    await expect(failing).rejects.toBeInstanceOf(ProviderError);
    await expect(failing).rejects.toMatchObject({ scope: "job", code: "SANDBOX_FAIL" });
  });

  it("#fail-output-2 fails only the second of four outputs, and not the job", async () => {
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((index) =>
        instant.generate(makeRequest({ prompt: "castle #fail-output-2", index, outputs: 4 })),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const failure = results[1];
    expect(failure?.status === "rejected" && failure.reason).toMatchObject({
      name: "ProviderError",
      scope: "output",
      code: "SANDBOX_OUTPUT_FAIL",
    });
  });

  it("honours several #fail-output-N tags", async () => {
    const prompt = "castle #fail-output-1 #fail-output-3";
    const results = await Promise.allSettled(
      [0, 1, 2].map((index) => instant.generate(makeRequest({ prompt, index, outputs: 3 }))),
    );
    expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled", "rejected"]);
  });

  it("#slow waits the slow latency instead of the usual one", async () => {
    // Fake timers: the test reads the provider's schedule, not the machine's speed.
    vi.useFakeTimers();
    const provider = createSandboxProvider({ latencyMs: 10, slowLatencyMs: 150 });
    const usual = settledFlag(provider.generate(makeRequest()));
    await vi.advanceTimersByTimeAsync(10);
    expect(usual.settled).toBe(true);
    const slow = settledFlag(provider.generate(makeRequest({ prompt: "castle #slow" })));
    await vi.advanceTimersByTimeAsync(149);
    expect(slow.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(slow.settled).toBe(true);
  });

  it("#hang never settles until the signal aborts, then rejects", async () => {
    const controller = new AbortController();
    const hanging = instant.generate(makeRequest({ prompt: "castle #hang #fail", signal: controller.signal }));
    expect(await stateAfter(hanging, 100)).toBe("pending");
    controller.abort();
    await expect(hanging).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("sandbox provider: latency and abort", () => {
  it("waits latencyMs per output", async () => {
    vi.useFakeTimers();
    const provider = createSandboxProvider({ latencyMs: 120 });
    const generation = settledFlag(provider.generate(makeRequest()));
    await vi.advanceTimersByTimeAsync(119);
    expect(generation.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(generation.settled).toBe(true);
  });

  it("rejects promptly when the signal aborts during the latency", async () => {
    // No time passes at all: only the abort can end the 10 s wait.
    vi.useFakeTimers();
    const provider = createSandboxProvider({ latencyMs: 10_000 });
    const controller = new AbortController();
    const generation = provider.generate(makeRequest({ signal: controller.signal }));
    controller.abort();
    await expect(generation).rejects.toMatchObject({ name: "AbortError" });
  });

  it("rejects at once when the signal is already aborted, with its reason", async () => {
    const reason = new Error("job cancelled");
    await expect(instant.generate(makeRequest({ signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    await expect(instant.generate(makeRequest({ signal: AbortSignal.abort("no") }))).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("refuses an index outside the job and a nonsensical latency", async () => {
    await expect(instant.generate(makeRequest({ index: 2, outputs: 2 }))).rejects.toBeInstanceOf(RangeError);
    await expect(instant.generate(makeRequest({ index: -1 }))).rejects.toBeInstanceOf(RangeError);
    expect(() => createSandboxProvider({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => createSandboxProvider({ latencyMs: 0, slowLatencyMs: Number.NaN })).toThrow(RangeError);
  });
});
