/** What the user asks for when pressing Generate. */
export type GenerateRequest = { modelId: string; prompt: string; outputs: number };

/** One user intent: its idempotency key and the request it was made for. */
export type GenerateIntent = { key: string; fingerprint: string };

function fingerprintOf(request: GenerateRequest): string {
  return JSON.stringify([request.modelId, request.prompt.trim(), request.outputs]);
}

/**
 * The idempotency key for a submission. Retrying the same request (after a
 * network error, a CONFLICT_RETRY, or a refusal that stored nothing) keeps
 * the key, so the server can only replay the job — never charge twice; a
 * changed request is a new intent and gets a fresh UUID v4. The caller
 * forgets the intent once a job was created.
 */
export function intentFor(previous: GenerateIntent | null, request: GenerateRequest): GenerateIntent {
  const fingerprint = fingerprintOf(request);
  if (previous && previous.fingerprint === fingerprint) return previous;
  return { key: crypto.randomUUID(), fingerprint };
}
