import { describe, expect, it } from "vitest";

import { formatCardNumber, formatExpiry, normalizeCardNumber, parseExpiry } from "~/shared/card-entry";

/** What the field shows after each keystroke of `typed`, one character at a time. */
function typeInto(format: (value: string) => string, typed: string): string[] {
  const shown: string[] = [];
  let value = "";
  for (const key of typed) {
    value = format(value + key);
    shown.push(value);
  }
  return shown;
}

describe("card number as typed", () => {
  it("groups the digits by four, whatever else is typed, up to 19 digits", () => {
    expect(typeInto(formatCardNumber, "42424242")).toEqual(["4", "42", "424", "4242", "4242 4", "4242 42", "4242 424", "4242 4242"]);
    expect(formatCardNumber("4242-4242 4242x4242")).toBe("4242 4242 4242 4242");
    expect(formatCardNumber("1234567890123456789999")).toBe("1234 5678 9012 3456 789");
    expect(normalizeCardNumber("4242 4242-4242 4242")).toBe("4242424242424242");
  });
});

describe("expiry as typed", () => {
  it("turns digits into MM/YY on a keypad without a slash", () => {
    expect(typeInto(formatExpiry, "1234")).toEqual(["1", "12", "12/3", "12/34"]);
    expect(typeInto(formatExpiry, "0930")).toEqual(["0", "09", "09/3", "09/30"]);
    expect(typeInto(formatExpiry, "434")).toEqual(["04", "04/3", "04/34"]);
  });

  it("follows a slash the user types, and deleting the year's first digit takes the slash with it", () => {
    expect(typeInto(formatExpiry, "12/34")).toEqual(["1", "12", "12", "12/3", "12/34"]);
    expect(typeInto(formatExpiry, "1/34")).toEqual(["1", "01/", "01/3", "01/34"]);
    expect(formatExpiry("12/")).toBe("12");
    expect(formatExpiry("12/2034")).toBe("12/2034"); // An autofilled four-digit year.
    expect(formatExpiry("122034")).toBe("12/2034");
  });
});

describe("expiry parsing (the server's)", () => {
  it.each([
    ["12/34", { month: 12, year: 2034 }],
    ["1234", { month: 12, year: 2034 }],
    ["1/34", { month: 1, year: 2034 }],
    ["01 / 2034", { month: 1, year: 2034 }],
    ["012034", { month: 1, year: 2034 }],
  ])("reads %j", (typed, expected) => {
    expect(parseExpiry(typed)).toEqual(expected);
  });

  it.each(["13/34", "00/34", "134", "12/3", "12-34", "", "ab/cd"])("refuses %j", (typed) => {
    expect(parseExpiry(typed)).toBeNull();
  });
});
