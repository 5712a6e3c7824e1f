/** What a model produces: prose or a picture. */
export type OutputKind = "text" | "image";

/**
 * One finished output. `content` is the text itself for `text/plain`, the
 * SVG markup for `image/svg+xml`, and base64 (no data: prefix) for `image/png`.
 */
export type GeneratedOutput = { mimeType: "text/plain" | "image/svg+xml" | "image/png"; content: string };

/**
 * A request for exactly one output of a job. The worker calls the provider
 * once per missing output, so a recovered job never regenerates delivered ones.
 */
export type GenerationRequest = {
  jobId: string;
  modelId: string;
  kind: OutputKind;
  prompt: string;
  /** 0-based index of the output within the job */
  index: number;
  /** total outputs requested */
  outputs: number;
  signal: AbortSignal;
};

/**
 * Something that turns a request into one output. `generate` either resolves
 * with an output, rejects with a `ProviderError` (an expected failure), or
 * rejects with the signal's abort reason once `request.signal` aborts.
 */
export interface GenerationProvider {
  readonly name: string;
  generate(request: GenerationRequest): Promise<GeneratedOutput>;
}

/**
 * An expected provider failure.
 * scope "job": the whole job fails; scope "output": only this output fails.
 * `code` is a stable machine-readable identifier; `message` never holds secrets.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly scope: "job" | "output",
    readonly code: string,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}
