// Loaded into the API with `node --import ./bench/memory-probe.mjs` by bench/quickstart-memory.ts:
// every MEMORY_PROBE_MS it appends one JSON line to MEMORY_PROBE_FILE with V8's heap, external and
// array-buffer memory, each V8 space's committed size, and the resident part of WebAssembly
// memories (PGlite's heap), read from /proc/self/smaps: V8 reserves 8 GiB or more per wasm memory
// and commits it from the start, so a wasm memory is a read-write mapping followed at once by
// the rest of its reservation, inaccessible. Every fifth sample follows a full collection (`--expose-gc`), so `heapUsed` there is
// the live heap, the figure that rises from sample to sample only on a leak.
import { appendFileSync, readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const file = process.env.MEMORY_PROBE_FILE;
const every = Number(process.env.MEMORY_PROBE_MS ?? 2000);
const MB = 1024 * 1024;

function wasmResidentMb() {
  const maps = [];
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
    if (range)
      maps.push({ start: BigInt(`0x${range[1]}`), end: BigInt(`0x${range[2]}`), perms: range[3], kb: 0 });
    else if (line.startsWith("Rss:")) maps[maps.length - 1].kb = Number(line.split(/\s+/)[1]);
  }
  let kb = 0;
  for (let i = 0; i + 1 < maps.length; i++) {
    const [map, rest] = [maps[i], maps[i + 1]];
    if (
      map.perms === "rw-p" &&
      rest.perms === "---p" &&
      map.end === rest.start &&
      rest.end - map.start >= 8n << 30n
    )
      kb += map.kb;
  }
  return Math.round(kb / 1024);
}

if (file) {
  let n = 0;
  setInterval(() => {
    const afterGc = n++ % 5 === 0 && typeof globalThis.gc === "function";
    if (afterGc) globalThis.gc();
    const m = process.memoryUsage();
    const round = (bytes) => Math.round(bytes / MB);
    const sample = {
      t: Date.now(),
      afterGc,
      rssMb: round(m.rss),
      heapUsedMb: round(m.heapUsed),
      heapTotalMb: round(m.heapTotal),
      externalMb: round(m.external),
      arrayBuffersMb: round(m.arrayBuffers),
      wasmRssMb: wasmResidentMb(),
      spacesMb: Object.fromEntries(
        getHeapSpaceStatistics().map((space) => [space.space_name, round(space.space_size)]),
      ),
    };
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, every).unref();
}
