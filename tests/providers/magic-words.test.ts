import { describe, expect, it } from "vitest";

import { MAGIC_WORDS, parseMagicWords } from "~/server/providers/sandbox";

describe("parseMagicWords", () => {
  it("finds nothing in a prompt without tags", () => {
    expect(parseMagicWords("")).toEqual({ fail: false, failOutputs: new Set(), slow: false, hang: false });
    expect(parseMagicWords("a quiet lake at dawn, #nofilter")).toEqual({
      fail: false,
      failOutputs: new Set(),
      slow: false,
      hang: false,
    });
  });

  it("reads each tag, case-insensitively", () => {
    expect(parseMagicWords("#FAIL").fail).toBe(true);
    expect(parseMagicWords("please go #Slow").slow).toBe(true);
    expect(parseMagicWords("#hAnG now").hang).toBe(true);
    expect(parseMagicWords("#FAIL-OUTPUT-3").failOutputs).toEqual(new Set([3]));
  });

  it("does not read #fail-output-N as #fail", () => {
    const magic = parseMagicWords("a cat #fail-output-2");
    expect(magic.fail).toBe(false);
    expect(magic.failOutputs).toEqual(new Set([2]));
  });

  it("collects several #fail-output-N tags alongside #fail", () => {
    const magic = parseMagicWords("#fail-output-1 #fail #fail-output-3 #fail-output-1 #fail-output-04");
    expect(magic.fail).toBe(true);
    expect(magic.failOutputs).toEqual(new Set([1, 3, 4]));
  });

  it("accepts tags next to punctuation and line breaks", () => {
    const magic = parseMagicWords("(#fail)\n#slow,#hang.");
    expect(magic).toEqual({ fail: true, failOutputs: new Set(), slow: true, hang: true });
    expect(parseMagicWords("[#fail-output-2]").failOutputs).toEqual(new Set([2]));
  });

  it.each([
    "#failure",
    "#fail_",
    "#fail-",
    "#fail-output-",
    "#fail-output-x",
    "#fail-output-2x",
    "#fail-output-2-3",
    "#slowly",
    "#hanger",
    "abc#fail",
    "fail slow hang",
  ])("ignores the look-alike %j", (prompt) => {
    expect(parseMagicWords(prompt)).toEqual({ fail: false, failOutputs: new Set(), slow: false, hang: false });
  });

  it("ignores output numbers that can never exist", () => {
    expect(parseMagicWords("#fail-output-0").failOutputs.size).toBe(0);
    expect(parseMagicWords("#fail-output-99999999999999999999").failOutputs.size).toBe(0);
  });
});

describe("MAGIC_WORDS", () => {
  it("documents every tag with a description", () => {
    expect(MAGIC_WORDS.map((entry) => entry.word)).toEqual(["#fail", "#fail-output-N", "#slow", "#hang"]);
    for (const entry of MAGIC_WORDS) expect(entry.effect.length).toBeGreaterThan(20);
  });

  it("lists only words that the parser understands", () => {
    for (const { word } of MAGIC_WORDS) {
      const magic = parseMagicWords(word.replace("-N", "-1"));
      const effects = [magic.fail, magic.slow, magic.hang, magic.failOutputs.size > 0].filter(Boolean);
      expect(effects, word).toHaveLength(1);
    }
  });
});
