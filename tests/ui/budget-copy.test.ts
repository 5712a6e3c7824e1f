import { describe, expect, it } from "vitest";

import { budgetLabel, creditsLeft, formatResetsAt } from "~/lib/budget-copy";
import { budgetName } from "~/server/money";

// The words of the BUDGET_EXCEEDED notice and the budgets page (SPEC §4, §9).

describe("budget copy", () => {
  it("names a budget as the server's refusal does", () => {
    for (const scope of ["ACCOUNT", "API_KEY"] as const) {
      for (const period of ["MONTH", "TOTAL"] as const) expect(budgetLabel({ scope, period })).toBe(budgetName({ scope, period }));
    }
    expect(budgetLabel({ scope: "ACCOUNT", period: "MONTH" })).toBe("the account's monthly budget");
  });

  it("says what is left of the limit", () => {
    expect(creditsLeft({ remainingCredits: 0, limitCredits: 4 })).toBe("0 of 4 credits left");
    expect(creditsLeft({ remainingCredits: 1, limitCredits: 1 })).toBe("1 of 1 credit left");
    expect(creditsLeft({ remainingCredits: 1500, limitCredits: 1_000_000 })).toBe("1,500 of 1,000,000 credits left");
  });

  it("tells when a budget resets in the reader's locale and the budget's zone; a total budget never does", () => {
    const resetsAt = "2027-01-01T05:00:00.000Z"; // midnight in New York
    expect(formatResetsAt(resetsAt, "America/New_York", "en-US")).toBe("Jan 1, 2027, 12:00 AM EST");
    expect(formatResetsAt(resetsAt, "UTC", "en-GB")).toBe("1 Jan 2027, 05:00 UTC");
    expect(formatResetsAt(null, "UTC", "en-US")).toBeNull();
  });
});
