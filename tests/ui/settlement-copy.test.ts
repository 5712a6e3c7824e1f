import { describe, expect, it } from "vitest";

import { settlementSummary } from "~/lib/settlement-copy";

const job = { status: "CANCELLED", outputsRequested: 4, pricePerOutput: 5, totalCost: 20 };

describe("settlementSummary (SPEC §2 fair settlement, in words)", () => {
  it("a cancel at 3 of 4: one output refunded, three delivered and paid", () => {
    expect(settlementSummary({ ...job, outputsDone: 3, refundedAmount: 5 })).toBe("1 output refunded (5 credits), 3 delivered and paid");
  });

  it("nothing delivered: every output refunded", () => {
    expect(settlementSummary({ ...job, status: "FAILED", outputsDone: 0, refundedAmount: 20 })).toBe(
      "4 outputs refunded (20 credits), nothing delivered",
    );
  });

  it("an admin's goodwill refund of the whole cost says so", () => {
    expect(settlementSummary({ ...job, status: "FAILED", outputsDone: 1, refundedAmount: 20 })).toMatch(/whole cost, as goodwill/);
  });

  it("all delivered: nothing refunded", () => {
    expect(settlementSummary({ ...job, status: "COMPLETED", outputsDone: 4, refundedAmount: 0 })).toBe("all 4 outputs delivered and paid");
  });
});
