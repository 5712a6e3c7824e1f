import { parseMagicWords } from "./sandbox-magic-words";
import { createSeededRandom } from "./sandbox-random";
import { renderSandboxSvg } from "./sandbox-svg";
import { writeSandboxText } from "./sandbox-text";
import { ProviderError, type GeneratedOutput, type GenerationProvider, type GenerationRequest } from "./types";

export { MAGIC_WORDS, parseMagicWords, type MagicWords } from "./sandbox-magic-words";

/** `#slow` waits this long per output unless the caller chooses otherwise. */
const slowLatencyMsDefault = 3000;
/** A latency beyond this is a configuration mistake, not a simulation. */
const latencyMsMax = 10 * 60 * 1000;

/** Options of `createSandboxProvider`. */
export type SandboxProviderOptions = {
  /** Simulated generation time of one output. */
  latencyMs: number;
  /** Generation time of one output when the prompt says `#slow`; 3000 by default. */
  slowLatencyMs?: number;
};

/**
 * The signal's own reason, like `fetch` does, so a caller that aborts with a
 * timeout error sees that error; a non-Error reason becomes an AbortError.
 */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("The generation was aborted.", "AbortError");
}

/**
 * Resolves after `durationMs`, or never when it is Infinity; rejects as soon
 * as `signal` aborts. Both the timer and the listener are removed on either
 * outcome so a long-lived signal does not collect listeners.
 */
function waitFor(durationMs: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    if (Number.isFinite(durationMs)) {
      timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, durationMs);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function assertLatency(name: string, latencyMs: number): void {
  if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > latencyMsMax) {
    throw new RangeError(`${name} must be between 0 and ${latencyMsMax} ms, got ${latencyMs}.`);
  }
}

/** The content depends only on (jobId, index, prompt), never on time or model. */
function renderOutput(request: GenerationRequest): GeneratedOutput {
  const random = createSeededRandom(`${request.jobId}\u0000${request.index}\u0000${request.prompt}`);
  if (request.kind === "image") {
    return { mimeType: "image/svg+xml", content: renderSandboxSvg(request.prompt, random) };
  }
  return { mimeType: "text/plain", content: writeSandboxText(request.prompt, random) };
}

/**
 * The offline provider. It waits its latency, then either fails as the
 * prompt's magic words ask or returns real content that is a pure function
 * of (jobId, prompt, index). Precedence: `#hang` beats `#slow`; `#fail`
 * (every output, so whichever the worker generates first fails the job)
 * beats `#fail-output-N`. It always rejects promptly when the signal aborts.
 */
export function createSandboxProvider(options: SandboxProviderOptions): GenerationProvider {
  const { latencyMs, slowLatencyMs = slowLatencyMsDefault } = options;
  assertLatency("latencyMs", latencyMs);
  assertLatency("slowLatencyMs", slowLatencyMs);
  return {
    name: "sandbox",
    async generate(request) {
      if (!Number.isInteger(request.index) || request.index < 0 || request.index >= request.outputs) {
        throw new RangeError(`Output index ${request.index} is outside 0..${request.outputs - 1}.`);
      }
      const magic = parseMagicWords(request.prompt);
      // Failures come after the wait, as with a real model that fails mid-way,
      // so the job is seen processing and a cancel can still win the race.
      await waitFor(magic.hang ? Number.POSITIVE_INFINITY : magic.slow ? slowLatencyMs : latencyMs, request.signal);
      const outputNumber = request.index + 1;
      if (magic.fail) {
        throw new ProviderError("The sandbox failed the job because the prompt contains #fail.", "job", "SANDBOX_FAIL");
      }
      if (magic.failOutputs.has(outputNumber)) {
        throw new ProviderError(
          `The sandbox failed output ${outputNumber} because the prompt contains #fail-output-${outputNumber}.`,
          "output",
          "SANDBOX_OUTPUT_FAIL",
        );
      }
      return renderOutput(request);
    },
  };
}
