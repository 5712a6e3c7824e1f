import { describe, expect, it } from "vitest";

import { statementFilterFromSearchParams, statementQueryFromSearchParams, statementRangeError } from "~/shared/statement-filter";

const query = (text: string) => statementQueryFromSearchParams(new URLSearchParams(text)).toString();

describe("the statement page's query", () => {
  it("keeps dates the wrong way round, for the inputs to show with their message", () => {
    expect(query("from=2026-12-31&to=2026-01-01")).toBe("from=2026-12-31&to=2026-01-01");
    expect(statementRangeError("2026-12-31", "2026-01-01")).toBe("The start date must be on or before the end date.");
    // The list itself never filters by such a range.
    expect(statementFilterFromSearchParams(new URLSearchParams("from=2026-12-31&to=2026-01-01&kind=GRANT"))).toEqual({ kinds: ["GRANT"] });
  });

  it("keeps a good range and the kinds, and drops what is not a date, a kind or one of its keys", () => {
    expect(query("kind=REFUND&to=2026-01-31&from=2026-01-01&kind=PURCHASE")).toBe("from=2026-01-01&to=2026-01-31&kind=REFUND&kind=PURCHASE");
    expect(query("from=yesterday&to=2026-13-45&kind=BOGUS&page=3")).toBe("");
    expect(statementRangeError("2026-01-01", "2026-01-01")).toBeUndefined();
    expect(statementRangeError("", "2026-01-01")).toBeUndefined();
  });
});
