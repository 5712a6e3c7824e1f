/** What the user asks for when pressing Generate. */
export type GenerateRequest = { modelId: string; prompt: string; outputs: number };

/** One user intent: its idempotency key and the request it was made for. */
export type GenerateIntent = { key: string; fingerprint: string };

function fingerprintOf(request: GenerateRequest): string {
  return JSON.stringify([request.modelId, request.prompt.trim(), request.outputs]);
}

/** Whether `request` is the one `intent` was made for (then submitting it again can only replay). */
export function isSameRequest(intent: GenerateIntent, request: GenerateRequest): boolean {
  return intent.fingerprint === fingerprintOf(request);
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

/** Where the intent of a sent, unanswered request waits, next to the form's draft. */
export const pendingIntentStorageKey = "creditworks:generate-intent";
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function sessionStore(): KeyValueStorage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null; // Blocked storage: the intent lives in memory only.
  }
}

/**
 * Keeps the intent of a request in this tab's sessionStorage from the moment
 * it is sent until the server answers. A reload before the answer (a slow
 * connection) restores it with the draft, so pressing Generate again sends
 * the same key and the server replays the job instead of charging twice.
 * Written synchronously, before the request leaves.
 */
export function savePendingIntent(intent: GenerateIntent, storage: KeyValueStorage | null = sessionStore()): void {
  try {
    storage?.setItem(pendingIntentStorageKey, JSON.stringify(intent));
  } catch {
    // Storage full or blocked: only the reload case loses its protection.
  }
}

/** The intent of a request sent before a reload and never answered, if any. */
export function loadPendingIntent(storage: KeyValueStorage | null = sessionStore()): GenerateIntent | null {
  try {
    const saved = JSON.parse(storage?.getItem(pendingIntentStorageKey) ?? "null") as Partial<GenerateIntent> | null;
    return saved && typeof saved.key === "string" && uuidPattern.test(saved.key) && typeof saved.fingerprint === "string"
      ? { key: saved.key, fingerprint: saved.fingerprint }
      : null;
  } catch {
    return null;
  }
}

/** The server answered (a job, or a refusal that stored nothing): the intent is no longer pending. */
export function clearPendingIntent(storage: KeyValueStorage | null = sessionStore()): void {
  try {
    storage?.removeItem(pendingIntentStorageKey);
  } catch {
    // Nothing to clear.
  }
}
