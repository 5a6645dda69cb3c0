import {
  createTableRelationsHelpers,
  type ExtractTablesWithRelations,
  extractTablesRelationalConfig,
  type RelationalSchemaConfig,
} from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { drizzle, PostgresJsDatabase, PostgresJsSession } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Database } from "../../db/database.ts";
import * as schema from "../../db/schema.ts";
import type { Metrics } from "../../lib/metrics/metrics.ts";
import { timedPostgres } from "./timed-postgres.ts";

/**
 * A Drizzle database over a postgres.js client that lives for one Workers request: workerd ties
 * sockets to the request that opened them, so a client kept across requests fails on every other
 * one ("Cannot perform I/O on behalf of a different request"). Hyperdrive pools the real
 * connections, so a client per request is the pattern it recommends. postgres.js connects lazily:
 * requests that never query open no socket.
 *
 * Only the client is per request. `drizzle({ schema })` rebuilds the relational config of every
 * table on each call (0.3 ms of CPU for our 43 exports, measured in docs/BENCHMARKS.md, "The
 * Worker"), and a new dialect starts with an empty column-name cache: both are the same for every
 * request, so they are built once per isolate and the database is assembled around them.
 *
 * The client is never ended: `sql.end()` in workerd leaves an unhandled "socket has been closed"
 * rejection (porsager/postgres #1196, #1202). workerd closes the sockets when the request ends.
 */
export function createRequestDatabase(connectionString: string, metrics?: Metrics): Database {
  const client = postgres(connectionString, {
    // Workers allow six simultaneous outgoing connections per request; leave one for fetch().
    max: 5,
    // No array columns yet; skipping the type lookup saves a round trip on every new connection.
    fetch_types: false,
    // Named prepared statements are what Hyperdrive caches (postgres.js's default, stated here).
    prepare: true,
    connect_timeout: 5,
    onnotice: () => {},
  });
  const timed = metrics ? timedPostgres(client, metrics) : client;
  // Without a schema, drizzle() only installs its date and JSON parsers on the client (microseconds).
  drizzle({ client: timed });
  const { dialect, relational } = isolateShared();
  const session = new PostgresJsSession(timed, dialect, relational);
  return new PostgresJsDatabase<typeof schema>(dialect, session, relational);
}

interface Shared {
  dialect: PgDialect;
  relational: RelationalSchemaConfig<ExtractTablesWithRelations<typeof schema>>;
}

let shared: Shared | undefined;

/** Pure functions of the schema module: no env, no I/O, so one copy serves every request. */
function isolateShared(): Shared {
  if (!shared) {
    const tables = extractTablesRelationalConfig<ExtractTablesWithRelations<typeof schema>>(
      schema,
      createTableRelationsHelpers,
    );
    shared = {
      dialect: new PgDialect({ casing: "snake_case" }),
      relational: { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap },
    };
  }
  return shared;
}
