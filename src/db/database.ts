import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.ts";

/** The Drizzle database as services see it: postgres.js and PGlite both satisfy it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
