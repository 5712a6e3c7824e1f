import { describe, expect, it } from "vitest";

import { parseEnv } from "~/env.js";

const required = { DATABASE_URL: "postgres://localhost/x", BETTER_AUTH_SECRET: "s".repeat(32) };

describe("APP_URL follows PORT locally", () => {
  it("defaults to http://localhost:$PORT, so `PORT=3962 npm start` accepts its own origin", () => {
    expect(parseEnv({ ...required, PORT: "3962" }).APP_URL).toBe("http://localhost:3962");
    expect(parseEnv({ ...required }).APP_URL).toBe("http://localhost:3000");
    expect(parseEnv({ ...required }).PORT).toBe(3000);
  });

  it("an explicit APP_URL wins, whatever the port", () => {
    expect(parseEnv({ ...required, PORT: "3962", APP_URL: "https://app.example.com/" }).APP_URL).toBe("https://app.example.com");
  });

  it("refuses a port that is not one", () => {
    expect(() => parseEnv({ ...required, PORT: "70000" })).toThrow(/PORT/);
  });
});

describe("TRUST_PROXY", () => {
  it("is off by default and validated", () => {
    expect(parseEnv(required).TRUST_PROXY).toBe(false);
    expect(parseEnv({ ...required, TRUST_PROXY: "true" }).TRUST_PROXY).toBe(true);
    expect(() => parseEnv({ ...required, TRUST_PROXY: "yes please" })).toThrow(/TRUST_PROXY/);
  });
});
