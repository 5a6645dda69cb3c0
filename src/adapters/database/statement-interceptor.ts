import type postgres from "postgres";

type Client = postgres.Sql | postgres.TransactionSql;
export type Unsafe = postgres.Sql["unsafe"];
type Callback = (sql: postgres.TransactionSql) => unknown;

/**
 * The postgres.js client with `unsafe`, through which Drizzle sends every statement, replaced by
 * `wrap(unsafe)`. Transactions and savepoints hand their callbacks a client of their own: it is
 * intercepted the same way. Everything else passes through.
 */
export function interceptStatements<C extends Client>(client: C, wrap: (unsafe: Unsafe) => Unsafe): C {
  const withInterceptedCallback =
    (method: "begin" | "savepoint") =>
    (...args: unknown[]) => {
      // `begin([options], callback)` and `savepoint([name], callback)`: the callback is the last argument.
      const callback = args.pop() as Callback;
      const run = (client as unknown as Record<typeof method, (...rest: unknown[]) => Promise<unknown>>)[
        method
      ];
      return run.apply(client, [
        ...args,
        (sql: postgres.TransactionSql) => callback(interceptStatements(sql, wrap)),
      ]);
    };
  const overrides: Partial<Record<PropertyKey, unknown>> = {
    unsafe: wrap(client.unsafe.bind(client) as Unsafe),
    begin: withInterceptedCallback("begin"),
    savepoint: withInterceptedCallback("savepoint"),
  };
  return new Proxy(client, {
    get: (target, property) => overrides[property] ?? Reflect.get(target, property),
  });
}
