import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { ApiReferenceScript } from "../deps.ts";

/**
 * The single-file browser build of the pinned @scalar/api-reference, read from node_modules on
 * each request (a rare one) rather than held in memory: 5 MB the server would otherwise carry.
 */
export function nodeApiReferenceScript(): ApiReferenceScript {
  // The package exports no subpath for it, so it is found beside the package's entry point.
  const file = fileURLToPath(
    new URL("./browser/standalone.js", import.meta.resolve("@scalar/api-reference")),
  );
  return async () =>
    new Response(await readFile(file), {
      headers: {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=3600",
      },
    });
}
