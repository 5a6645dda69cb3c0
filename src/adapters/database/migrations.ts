import { fileURLToPath } from "node:url";

/** The drizzle-kit migrations folder, found relative to this file so any working directory works. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../drizzle", import.meta.url));
