import { createOpenAICompatibleProvider, type OpenAICompatibleProviderOptions } from "./openai-compatible";
import { createSandboxProvider } from "./sandbox";
import type { GenerationProvider } from "./types";

export { ProviderError } from "./types";
export type { GeneratedOutput, GenerationProvider, GenerationRequest, OutputKind } from "./types";
export {
  createSandboxProvider,
  MAGIC_WORDS,
  parseMagicWords,
  type MagicWords,
  type SandboxProviderOptions,
} from "./sandbox";
export {
  createOpenAICompatibleProvider,
  OPENAI_COMPATIBLE_ERROR_CODES,
  type OpenAICompatibleProviderOptions,
} from "./openai-compatible";

/** What `createProvider` needs, typically read from the validated environment. */
export type ProviderConfig = {
  provider: "sandbox" | "openai-compatible";
  /** Per-output latency of the sandbox provider. */
  sandboxLatencyMs: number;
  /** Required when `provider` is "openai-compatible". */
  openai?: Omit<OpenAICompatibleProviderOptions, "fetchImpl">;
};

/**
 * Builds the configured provider. It throws at start-up, not at the first
 * job, when "openai-compatible" is chosen without its settings.
 */
export function createProvider(config: ProviderConfig): GenerationProvider {
  switch (config.provider) {
    case "sandbox":
      return createSandboxProvider({ latencyMs: config.sandboxLatencyMs });
    case "openai-compatible":
      if (!config.openai) {
        throw new Error('The "openai-compatible" provider needs its openai settings (base URL, models, timeout).');
      }
      return createOpenAICompatibleProvider(config.openai);
    default: {
      // Exhaustiveness: a new provider name must be handled above.
      const unknown: never = config.provider;
      throw new Error(`Unknown generation provider: ${String(unknown)}.`);
    }
  }
}
