import { describe, expect, it } from "vitest";

import { listenHost, nextServeArgs } from "../../scripts/lib/listen-host";

// `npm start` with the embedded database serves a seeded admin and the file
// outbox: it must not listen on the network unless someone asks for it.
describe("where the launcher serves the app", () => {
  it("the zero-setup local run (embedded PostgreSQL) listens on localhost only", () => {
    expect(listenHost({}, true)).toBe("localhost");
    expect(nextServeArgs("start", 3962, listenHost({}, true))).toEqual(["start", "-p", "3962", "-H", "localhost"]);
    expect(nextServeArgs("dev", 3000, listenHost({ HOSTNAME: "" }, true))).toEqual(["dev", "-p", "3000", "-H", "localhost"]);
  });

  it("HOSTNAME chooses another address, embedded or not", () => {
    expect(nextServeArgs("start", 3000, listenHost({ HOSTNAME: "0.0.0.0" }, true))).toEqual(["start", "-p", "3000", "-H", "0.0.0.0"]);
    expect(listenHost({ HOSTNAME: "127.0.0.1" }, false)).toBe("127.0.0.1");
  });

  it("a deployment (DATABASE_URL set) keeps Next.js's default: every interface", () => {
    expect(listenHost({}, false)).toBeNull();
    expect(nextServeArgs("start", 3000, listenHost({}, false))).toEqual(["start", "-p", "3000"]);
  });
});
