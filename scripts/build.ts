import { bundleForNode } from "./node-bundle.ts";

/**
 * `npm run build`: the Node server as one file, `dist/node.mjs`, which `npm start` runs. Loading
 * hundreds of TypeScript modules through tsx at start-up leaves the process at ~290 MB RSS before
 * its first request; the bundle starts at ~100 MB.
 */
const bytes = await bundleForNode("src/node.ts", "dist/node.mjs");
console.log(`dist/node.mjs built (${(bytes / 1024 / 1024).toFixed(1)} MiB with its source map)`);
