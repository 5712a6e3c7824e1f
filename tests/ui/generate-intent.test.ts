import { describe, expect, it } from "vitest";

import { intentFor } from "~/lib/generate-intent";
import { safeReturnPath } from "~/lib/sign-in-path";

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

describe("return paths after sign-in", () => {
  it("follows same-site paths only", () => {
    expect(safeReturnPath("/jobs?status=active")).toBe("/jobs?status=active");
    expect(safeReturnPath("//evil.example")).toBe("/");
    expect(safeReturnPath("/\\evil.example")).toBe("/");
    expect(safeReturnPath("https://evil.example")).toBe("/");
    expect(safeReturnPath(null)).toBe("/");
  });
});
