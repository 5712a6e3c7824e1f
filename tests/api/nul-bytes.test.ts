import { expect, it } from "vitest";

import { callerFor, createUser } from "../helpers";

// PostgreSQL text cannot hold U+0000; such input must come back as a typed
// VALIDATION_ERROR (400), never as an INTERNAL error, wherever it is sent.
it("a NUL byte in any text input is a VALIDATION_ERROR, not INTERNAL", async () => {
  const admin = await createUser({ role: "ADMIN" });
  const error = await callerFor(admin).admin.users({ query: "a\u0000b", limit: 5 }).catch((e: unknown) => e);
  expect((error as { code?: string }).code).toBe("BAD_REQUEST");
  expect((error as { cause?: { code?: string } }).cause?.code).toBe("VALIDATION_ERROR");
});
