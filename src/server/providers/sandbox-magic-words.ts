/**
 * Magic words for the sandbox provider, in the spirit of Stripe's test cards:
 * anyone can reproduce a failure path by typing a tag in the prompt. This
 * module has no dependencies so the UI can import the list directly.
 */

/** What `parseMagicWords` found in a prompt. */
export type MagicWords = {
  /** `#fail`: the whole job fails. */
  fail: boolean;
  /** `#fail-output-N`: the 1-based output numbers that fail. */
  failOutputs: Set<number>;
  /** `#slow`: each output takes the slow latency. */
  slow: boolean;
  /** `#hang`: no output ever arrives until the request is aborted. */
  hang: boolean;
};

/** The documented magic words, in display order, for the UI and the user guide (docs/user-guide.md). */
export const MAGIC_WORDS = [
  {
    word: "#fail",
    effect: "The job fails on its first output, and its whole cost is refunded.",
  },
  {
    word: "#fail-output-N",
    effect:
      "Output N fails (1-based: #fail-output-2 fails the second output); the other outputs are delivered " +
      "and only the failed one is refunded. Repeat the tag to fail several outputs.",
  },
  {
    word: "#slow",
    effect: "Each output takes several seconds (3 s by default) instead of the usual latency.",
  },
  {
    word: "#hang",
    effect: "The provider never answers: only a cancel, the job's timeout or the stuck-job cleanup can end the job.",
  },
] as const satisfies readonly { word: string; effect: string }[];

/**
 * A tag counts only as a whole word: it must not follow a letter, digit or
 * underscore, and must not be followed by one or by a hyphen. That is what
 * keeps `#fail-output-2` from also reading as `#fail`, and `#failure` or
 * `#slowly` from meaning anything. The longer alternative comes first so it
 * wins over its `#fail` prefix.
 */
const magicWordPattern = /(?<![\p{L}\p{N}_])#(fail-output-(\d+)|fail|slow|hang)(?![\p{L}\p{N}_-])/giu;

/**
 * Output numbers are 1-based and jobs are small, so a bigger number is a typo
 * we ignore rather than a tag that could never fire anyway.
 */
const failOutputNumberMax = 1000;

/**
 * Reads the magic words in a prompt, case-insensitively. Unknown tags and
 * malformed ones (`#fail-output-0`, `#fail-output-x`) are ignored, so a prompt
 * without tags always parses to "no effect".
 */
export function parseMagicWords(prompt: string): MagicWords {
  const result: MagicWords = { fail: false, failOutputs: new Set(), slow: false, hang: false };
  for (const match of prompt.matchAll(magicWordPattern)) {
    const tag = match[1]?.toLowerCase();
    const outputDigits = match[2];
    if (outputDigits !== undefined) {
      const outputNumber = Number.parseInt(outputDigits, 10);
      if (outputNumber >= 1 && outputNumber <= failOutputNumberMax) result.failOutputs.add(outputNumber);
    } else if (tag === "fail") {
      result.fail = true;
    } else if (tag === "slow") {
      result.slow = true;
    } else if (tag === "hang") {
      result.hang = true;
    }
  }
  return result;
}
