import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * `node bench/profile-summary.ts <file.cpuprofile> [top]`: where a `--cpu-prof` profile of the
 * bundled API spent its busy samples (idle left out), by package and by function, each sample's
 * frame mapped back through the bundle's source map. This is how docs/BENCHMARKS.md's "where the
 * time goes" tables are made.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const maps = new Map<string, SourceMap | null>();

function sourceMapFor(url: string): SourceMap | null {
  if (!maps.has(url)) {
    try {
      const path = fileURLToPath(url);
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8"))));
    } catch {
      maps.set(url, null);
    }
  }
  return maps.get(url) ?? null;
}

/** "package", "app src/…", "node:…" or a V8 category such as "(garbage collector)". */
function place(node: ProfileNode): { where: string; name: string } {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const name = functionName || "(anonymous)";
  if (!url) return { where: functionName || "(native)", name };
  if (url.startsWith("node:")) return { where: "node internals", name: `${name} ${url}` };
  const map = url.startsWith("file:") ? sourceMapFor(url) : null;
  const entry = map?.findEntry(lineNumber, columnNumber);
  const source = map ? (entry && "originalSource" in entry ? entry.originalSource : undefined) : url;
  if (!source) return { where: "bundle (unmapped)", name };
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (inPackage) return { where: inPackage[1] as string, name: `${name} (${inPackage[1]})` };
  const local = source.replace(/^.*?\/(src|bench)\//, "$1/");
  return { where: local.startsWith("src/") ? "app (src/)" : local, name: `${name} ${local}` };
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const byPlace = new Map<string, number>();
const byFunction = new Map<string, number>();
let busy = 0;
for (const id of profile.samples) {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === "(idle)") continue;
  busy++;
  const { where, name } = place(node);
  byPlace.set(where, (byPlace.get(where) ?? 0) + 1);
  byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
}

const share = (count: number) => `${((count / busy) * 100).toFixed(1).padStart(5)} %`;
const sorted = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]);
console.log(`${busy} busy samples of ${profile.samples.length}\n\nby place:`);
for (const [where, count] of sorted(byPlace))
  if (count / busy >= 0.005) console.log(`${share(count)}  ${where}`);
console.log("\nby function (self time):");
for (const [name, count] of sorted(byFunction).slice(0, Number(topArgument ?? 30)))
  console.log(`${share(count)}  ${name}`);
