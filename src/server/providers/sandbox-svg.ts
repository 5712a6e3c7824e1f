import type { SeededRandom } from "./sandbox-random";

/** The SVG canvas is square; every coordinate below is in this space. */
const canvasSizePx = 512;
/** Long prompts are cut in the title so one image stays a few kilobytes. */
const titleCharsMax = 200;
const shapesMin = 5;
const shapesMax = 9;

/**
 * Escapes text for an XML attribute or text node, and drops the control
 * characters and lone surrogates XML 1.0 forbids, so any prompt yields a
 * well-formed document.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Cuts on code points, not UTF-16 units, so an emoji is never split in half. */
function truncate(text: string, charsMax: number): string {
  const chars = Array.from(text);
  return chars.length <= charsMax ? text : `${chars.slice(0, charsMax - 1).join("")}…`;
}

/** Hex colours render everywhere, unlike hsl() in some SVG rasterisers. */
function hslToHex(hue: number, saturation: number, lightness: number): string {
  const s = saturation / 100;
  const l = lightness / 100;
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const value = l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

/** One decimal place keeps the markup short and the output stable. */
const fmt = (value: number): string => String(Math.round(value * 10) / 10);

type Palette = { background: [string, string, string]; accents: string[]; dark: string; patternColor: string };

/** Colour harmonies (hue offsets from a seeded base) read as "designed". */
function makePalette(random: SeededRandom): Palette {
  const baseHue = random.int(0, 359);
  const offsets = random.pick([
    [0, 30, 60],
    [0, 120, 240],
    [0, 150, 210],
    [0, 180, 30],
  ] as const);
  const hueAt = (i: number): number => (baseHue + (offsets[i % offsets.length] ?? 0)) % 360;
  return {
    background: [hslToHex(hueAt(0), 65, 22), hslToHex(hueAt(1), 60, 38), hslToHex(hueAt(2), 70, 58)],
    accents: [0, 1, 2, 0, 1].map((i) => hslToHex(hueAt(i), random.int(60, 90), random.int(50, 75))),
    dark: hslToHex(hueAt(0), 50, 12),
    patternColor: random.next() < 0.5 ? "#ffffff" : hslToHex(hueAt(1), 80, 85),
  };
}

type Attributes = Record<string, string | number>;

/**
 * Builds one element. Numbers are rounded by `fmt`; every value here comes
 * from our own code (numbers, hex colours, seed ids), never from the prompt,
 * which only ever reaches the document through `escapeXml`.
 */
function el(name: string, attributes: Attributes, children = ""): string {
  const rendered = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${typeof value === "number" ? fmt(value) : value}"`)
    .join("");
  return children ? `<${name}${rendered}>${children}</${name}>` : `<${name}${rendered}/>`;
}

/**
 * Gradients, a glow and a tiling pattern. Their ids carry the seed so that
 * several SVGs inlined in one page never pick up each other's gradients.
 */
function renderDefs(id: string, palette: Palette, random: SeededRandom): string {
  const angle = random.float(0, Math.PI * 2);
  const x2 = 0.5 + Math.cos(angle) / 2;
  const y2 = 0.5 + Math.sin(angle) / 2;
  const [from, middle, to] = palette.background;
  const tile = random.int(14, 32);
  const ink = palette.patternColor;
  const pattern =
    random.next() < 0.5
      ? el("circle", { cx: tile / 2, cy: tile / 2, r: random.float(1.2, 3), fill: ink })
      : el("path", { d: `M0 ${tile}L${tile} 0`, stroke: ink, "stroke-width": random.float(1, 2.5) });
  const stops = [
    el("stop", { offset: 0, "stop-color": from }),
    el("stop", { offset: 0.55, "stop-color": middle }),
    el("stop", { offset: 1, "stop-color": to }),
  ].join("");
  const glowStops = [
    el("stop", { offset: 0, "stop-color": "#ffffff", "stop-opacity": 0.55 }),
    el("stop", { offset: 1, "stop-color": "#ffffff", "stop-opacity": 0 }),
  ].join("");
  return el(
    "defs",
    {},
    el("linearGradient", { id: `${id}-bg`, x1: 1 - x2, y1: 1 - y2, x2, y2 }, stops) +
      el("radialGradient", { id: `${id}-glow` }, glowStops) +
      el("pattern", { id: `${id}-tile`, width: tile, height: tile, patternUnits: "userSpaceOnUse" }, pattern),
  );
}

/** One decorative shape: a disc, a ring, a rotated rounded square or a triangle. */
function renderShape(palette: Palette, random: SeededRandom): string {
  const x = random.float(40, canvasSizePx - 40);
  const y = random.float(40, canvasSizePx - 40);
  const size = random.float(24, 130);
  const paint = { fill: random.pick(palette.accents), opacity: random.float(0.45, 0.85) };
  switch (random.int(0, 3)) {
    case 0:
      return el("circle", { cx: x, cy: y, r: size / 2, ...paint });
    case 1:
      return el("circle", {
        cx: x,
        cy: y,
        r: size / 2,
        fill: "none",
        stroke: paint.fill,
        "stroke-width": random.float(3, 10),
        opacity: paint.opacity,
      });
    case 2: {
      const rotation = `rotate(${random.int(0, 89)} ${fmt(x)} ${fmt(y)})`;
      const corner = { x: x - size / 2, y: y - size / 2 };
      return el("rect", { ...corner, width: size, height: size, rx: size / 6, ...paint, transform: rotation });
    }
    default: {
      const points = [0, 1, 2].map((vertex) => {
        const theta = random.float(0, 0.6) + (vertex * Math.PI * 2) / 3;
        return `${fmt(x + Math.cos(theta) * size * 0.6)},${fmt(y + Math.sin(theta) * size * 0.6)}`;
      });
      return el("polygon", { points: points.join(" "), ...paint });
    }
  }
}

/** A soft hill along the bottom edge grounds the composition like a horizon. */
function renderWave(palette: Palette, random: SeededRandom): string {
  const size = canvasSizePx;
  const base = fmt(random.float(size * 0.68, size * 0.82));
  const lift = (): string => fmt(Number(base) + random.float(-60, 60));
  const curve = `C${fmt(size * 0.3)} ${lift()} ${fmt(size * 0.6)} ${lift()} ${size} ${base}`;
  const d = `M0 ${base}${curve}L${size} ${size}L0 ${size}Z`;
  return el("path", { d, fill: palette.dark, opacity: random.float(0.35, 0.6) });
}

/**
 * Renders a procedural 512×512 SVG. The output depends only on `random`'s
 * seed and `prompt`, and is always a standalone, well-formed document whose
 * `<title>` is the escaped prompt.
 */
export function renderSandboxSvg(prompt: string, random: SeededRandom): string {
  const id = `cw-${random.seedHex}`;
  const palette = makePalette(random);
  const canvas = { width: canvasSizePx, height: canvasSizePx };
  const shapeCount = random.int(shapesMin, shapesMax);
  const body = [
    el("title", { id: `${id}-title` }, escapeXml(truncate(prompt, titleCharsMax))),
    renderDefs(id, palette, random),
    el("rect", { ...canvas, fill: `url(#${id}-bg)` }),
    el("rect", { ...canvas, fill: `url(#${id}-tile)`, opacity: random.float(0.12, 0.25) }),
    el("circle", {
      cx: random.float(100, canvasSizePx - 100),
      cy: random.float(80, canvasSizePx / 2),
      r: random.float(120, 200),
      fill: `url(#${id}-glow)`,
    }),
    ...Array.from({ length: shapeCount }, () => renderShape(palette, random)),
    renderWave(palette, random),
  ];
  const root = {
    xmlns: "http://www.w3.org/2000/svg",
    viewBox: `0 0 ${canvasSizePx} ${canvasSizePx}`,
    ...canvas,
    role: "img",
    "aria-labelledby": `${id}-title`,
  };
  return el("svg", root, body.join(""));
}
