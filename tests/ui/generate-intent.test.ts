import { describe, expect, it } from "vitest";

import { clearPendingIntent, intentFor, loadPendingIntent, savePendingIntent } from "~/lib/generate-intent";

const request = { modelId: "canvas-v1", prompt: "A harbour", outputs: 2 };

describe("generate intent (the client half of idempotency)", () => {
  it("keeps the key while the same request is retried", () => {
    const first = intentFor(null, request);
    expect(first.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(intentFor(first, { ...request })).toBe(first);
    expect(intentFor(first, { ...request, prompt: "A harbour  " })).toBe(first);
  });

  it("gives a changed request a fresh key", () => {
    const first = intentFor(null, request);
    expect(intentFor(first, { ...request, outputs: 3 }).key).not.toBe(first.key);
    expect(intentFor(first, { ...request, modelId: "storyteller-v1" }).key).not.toBe(first.key);
    expect(intentFor(null, request).key).not.toBe(first.key);
  });
});

describe("the pending intent survives a reload", () => {
  function memoryStorage() {
    const items = new Map<string, string>();
    return {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
  }

  it("a saved intent comes back, so the same request after a reload reuses its key", () => {
    const storage = memoryStorage();
    const sent = intentFor(null, request);
    savePendingIntent(sent, storage);
    const restored = loadPendingIntent(storage);
    expect(restored).toEqual(sent);
    expect(intentFor(restored, { ...request }).key).toBe(sent.key);
    clearPendingIntent(storage);
    expect(loadPendingIntent(storage)).toBeNull();
  });

  it("ignores what is not an intent", () => {
    const storage = memoryStorage();
    storage.setItem("creditworks:generate-intent", JSON.stringify({ key: "not-a-uuid", fingerprint: "x" }));
    expect(loadPendingIntent(storage)).toBeNull();
    storage.setItem("creditworks:generate-intent", "{corrupt");
    expect(loadPendingIntent(storage)).toBeNull();
    expect(loadPendingIntent(null)).toBeNull();
  });
});
