import type { SeededRandom } from "./sandbox-random";

/** Only this many prompt words are woven in; the rest would crowd the story. */
const keywordsMax = 8;
/** Shorter words are mostly glue ("a", "of", "in") and read badly as nouns. */
const keywordCharsMin = 3;
const middleSentencesMin = 3;
const middleSentencesMax = 5;

/** Common words that make poor story subjects even when they are long enough. */
const stopWords = new Set(
  (
    "the and for with from that this into onto over under about write story image picture photo " +
    "make draw generate please some very more most than then them they their there these those " +
    "was were are has have had but not you your our its it's who what when where which while"
  ).split(" "),
);

const times = [
  "Long ago",
  "One rainy Tuesday",
  "At the edge of winter",
  "Just before dawn",
  "On the longest night of the year",
  "In the year the river froze",
];
const places = [
  "a harbour town",
  "the old observatory",
  "a city of glass",
  "the valley of lanterns",
  "a forgotten library",
  "a small moon's quiet orbit",
];
const people = [
  "a cartographer named Ines",
  "an old clockmaker",
  "a curious fox",
  "the night-shift baker",
  "a robot with a cracked lens",
  "two sisters from the hill farm",
];
const adjectives = [
  "luminous", "restless", "enormous", "delicate", "peculiar",
  "patient", "electric", "ancient", "shimmering", "stubborn",
];
const verbs = [
  "hummed softly",
  "changed colour",
  "rearranged itself",
  "drifted a little closer",
  "sang in a minor key",
  "grew warmer",
];
const feelings = ["calm", "hopeful", "wide awake", "strangely brave", "quiet", "golden"];
const things = ["secret", "map", "melody", "promise", "riddle", "dream"];

const openings = [
  "{time}, somewhere in {place}, {who} first noticed the {k}.",
  "Nobody in {place} could remember when the {k} had arrived, only that it was {adj}.",
  "It began {time_lower}, when {who} said the word \u201c{k}\u201d aloud in {place}.",
];
const middles = [
  "The {k} was {adj}, and it {verb} whenever the wind changed.",
  "{who} kept a notebook about the {k}, filling every page with {adj} sketches.",
  "Each evening the {k} {verb}, and the whole of {place} grew {feel}.",
  "Some said the {k} was only one half of a {adj} {thing}.",
  "By the third day, {who} understood that the {k} was not {adj} at all, only {feel}.",
  "Children traded rumours about the {k} the way others trade a {thing}.",
  "Under the {adj} sky, the {k} {verb} as if it were keeping a {thing}.",
];
const endings = [
  "In the end, {who} let the {k} go, and {place} was {feel} again.",
  "And somewhere, still {adj}, the {k} is waiting for the next person to notice.",
  "That is how the {k} became the {adj} heart of {place}.",
];

/**
 * The distinct content words of a prompt, in order of appearance. Magic-word
 * tags are removed first so `#fail` never shows up in a story.
 */
export function extractKeywords(prompt: string): string[] {
  const withoutTags = prompt.replace(/#[\p{L}\p{N}_-]*/gu, " ");
  const seen = new Set<string>();
  const keywords: string[] = [];
  for (const [word] of withoutTags.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)) {
    const key = word.toLowerCase();
    if (Array.from(word).length < keywordCharsMin || stopWords.has(key) || seen.has(key)) continue;
    seen.add(key);
    keywords.push(word);
    if (keywords.length >= keywordsMax) break;
  }
  return keywords;
}

/** Picks `count` distinct items in a seeded order (a partial Fisher–Yates shuffle). */
function pickDistinct<T>(items: readonly T[], count: number, random: SeededRandom): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) {
    const [item] = pool.splice(random.int(0, pool.length - 1), 1);
    if (item !== undefined) chosen.push(item);
  }
  return chosen;
}

/**
 * Writes a short story (one paragraph, five to seven sentences) from the
 * prompt's words and seeded word lists. The first sentence always uses the
 * prompt's first content word, so every story visibly answers its prompt.
 */
export function writeSandboxText(prompt: string, random: SeededRandom): string {
  const keywords = extractKeywords(prompt);
  if (keywords.length === 0) keywords.push(random.pick(things));
  let keywordIndex = 0;
  const nextKeyword = (): string => keywords[keywordIndex++ % keywords.length] ?? "";
  const time = random.pick(times);
  const slots: Record<string, () => string> = {
    k: nextKeyword,
    time: () => time,
    time_lower: () => time.charAt(0).toLowerCase() + time.slice(1),
    place: () => random.pick(places),
    who: () => random.pick(people),
    adj: () => random.pick(adjectives),
    verb: () => random.pick(verbs),
    feel: () => random.pick(feelings),
    thing: () => random.pick(things),
  };
  const fill = (template: string): string => {
    const sentence = template.replace(/\{(\w+)\}/g, (_, slot: string) => slots[slot]?.() ?? "");
    return sentence.charAt(0).toUpperCase() + sentence.slice(1);
  };
  const middleCount = random.int(middleSentencesMin, middleSentencesMax);
  const templates = [random.pick(openings), ...pickDistinct(middles, middleCount, random), random.pick(endings)];
  return templates.map(fill).join(" ");
}
