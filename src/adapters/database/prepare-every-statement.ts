import type postgres from "postgres";
import { isPlannedPerRun } from "../../db/plan-per-run.ts";
import { interceptStatements, type Unsafe } from "./statement-interceptor.ts";

type Client = postgres.Sql | postgres.TransactionSql;

/**
 * Drizzle asks postgres.js to prepare only the queries given a name (`.prepare("…")`). For every
 * other statement with parameters postgres.js spends a round trip of its own describing it
 * (Parse/Describe, wait, then Bind/Execute), every time it runs. With every statement prepared,
 * postgres.js keeps it per connection by its text and each later run is one round trip: a
 * PATCH /v1/tickets/:id went from 21 writes to PostgreSQL to 13 (strace, 100 PATCHes). A
 * statement marked with plannedPerRun() stays unnamed, planned with its values on every run.
 */
export function prepareEveryStatement<C extends Client>(client: C): C {
  return interceptStatements(
    client,
    (unsafe) =>
      ((
        query: string,
        parameters?: postgres.ParameterOrJSON<never>[],
        options?: postgres.UnsafeQueryOptions,
      ) => unsafe(query, parameters, { ...options, prepare: !isPlannedPerRun(query) })) as Unsafe,
  );
}
