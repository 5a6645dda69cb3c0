const preparedByClient = new WeakMap<object, Map<string, unknown>>();

/**
 * A query built once per database client (or transaction) and reused, so Drizzle does not build
 * its SQL text again on every request: on the hot read paths that building was ~12% of the CPU.
 * `name` must identify the query's shape, including every option that changes its SQL.
 */
export function preparedOnce<Query>(client: object, name: string, build: () => Query): Query {
  let prepared = preparedByClient.get(client);
  if (!prepared) {
    prepared = new Map();
    preparedByClient.set(client, prepared);
  }
  let query = prepared.get(name) as Query | undefined;
  if (query === undefined) {
    query = build();
    prepared.set(name, query);
  }
  return query;
}
