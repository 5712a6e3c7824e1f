/**
 * `tsx bench/profile-summary.ts <file.cpuprofile>`: where the app's CPU went,
 * by package (node_modules/<name>), our own code, and V8/Node internals —
 * self time, the share of all samples.
 */
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string }; hitCount?: number };
const profile = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as { nodes: Node[] };

function bucketOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native/V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/.next/server/chunks/")) return "app bundle (.next chunks)";
  if (url.startsWith("node:")) return "node core";
  return url.replace(/^.*\/(src|\.next)\//, "$1/");
}

const byBucket = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  total += hits;
  const bucket = bucketOf(node.callFrame.url, node.callFrame.functionName);
  byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + hits);
  const fn = `${node.callFrame.functionName || "(anonymous)"} ${bucket}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
}
const top = (map: Map<string, number>, count: number) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`);
console.log(`samples: ${total}\n-- by package --\n${top(byBucket, 20).join("\n")}\n-- by function --\n${top(byFunction, 25).join("\n")}`);
