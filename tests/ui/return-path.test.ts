import { describe, expect, it } from "vitest";

import { safeReturnPath, signInPath } from "~/shared/sign-in-path";

describe("return paths after sign-in", () => {
  it("follows same-site paths, query and fragment included", () => {
    expect(safeReturnPath("/jobs?status=active")).toBe("/jobs?status=active");
    expect(safeReturnPath("/jobs?status=completed#top")).toBe("/jobs?status=completed#top");
    expect(safeReturnPath("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example"); // An odd path here, not a host.
    expect(safeReturnPath(null)).toBe("/");
    expect(safeReturnPath("", "/admin")).toBe("/admin");
  });

  // What a browser makes of these after its own URL parsing is another host.
  it.each([
    "//evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "https://evil.example", "javascript:alert(1)",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\r//evil.example", "/\t/\tevil.example", " //evil.example",
    "/.//evil.example", "/..//evil.example", "/a/../..//evil.example", "http:evil.example", "https:/\\evil.example",
  ])("refuses %j", (next) => {
    expect(safeReturnPath(next)).toBe("/");
  });
});

describe("the sign-in path", () => {
  it("carries the page's path and query, or home for anything else", () => {
    expect(signInPath("/jobs?status=completed")).toBe("/sign-in?next=%2Fjobs%3Fstatus%3Dcompleted");
    expect(signInPath("/\t/evil.example")).toBe("/sign-in?next=%2F");
  });
});
