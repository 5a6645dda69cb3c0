import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The drizzle-kit migrations folder in the project root, found from this module wherever it runs:
 * in the source tree (src/adapters/database/) or bundled into dist/node.mjs by `npm run build`.
 */
export const MIGRATIONS_FOLDER = ["../../../drizzle", "../drizzle"]
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((folder) => existsSync(`${folder}/meta/_journal.json`)) as string;
