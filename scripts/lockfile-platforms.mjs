// Records every optional platform package (esbuild, workerd, biome, … for other OSes and CPUs)
// in package-lock.json. npm leaves out the ones its registry cannot serve, and `npm ci` then
// refuses the lockfile; entries with a version let npm fetch them where they exist and skip
// them, as optional, where they do not. Run after any `npm install` that changes the lockfile.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
let added = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // Platform binaries are pinned exactly; ranged optional dependencies are npm's own business.
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) continue;
    const nested = `${location ? `${location}/` : ""}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[hoisted]?.version === version) continue;
    // A second version of the same package (two workerd releases, say) nests under its parent.
    const target = lock.packages[hoisted] ? nested : hoisted;
    lock.packages[target] = { version, ...(entry.dev ? { dev: true } : {}), optional: true };
    added += 1;
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(`lockfile: ${added} optional platform package(s) recorded`);
