import { drizzle } from "drizzle-orm/postgres-js";
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
  return drizzle({ client: metrics ? timedPostgres(client, metrics) : client, schema, casing: "snake_case" });
}
