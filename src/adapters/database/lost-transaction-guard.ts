import type postgres from "postgres";

type Callback = (sql: postgres.TransactionSql) => unknown;

/**
 * postgres.js (3.4.9) rejects `begin()` as soon as the transaction's connection closes, but lets
 * the callback run on. If the callback was awaiting something else at that moment (the outbox
 * publish awaits Redis inside its transaction), its next statement goes to the closed connection,
 * where a write from a timer throws a TypeError that crashes the process, or, once the pool has
 * reconnected that connection, to another session outside any transaction, followed there by a
 * COMMIT or ROLLBACK (porsager/postgres#1186, #1215). This guard stops such a callback at its next
 * statement and never lets it settle, so postgres.js sends nothing more on its behalf; the caller
 * already has begin()'s rejection.
 */
export function guardLostTransactions(client: postgres.Sql): postgres.Sql {
  const begin = (...args: unknown[]) => {
    const callback = args.pop() as Callback;
    let lost = false;
    const outcome = (client.begin as (...rest: unknown[]) => Promise<unknown>).apply(client, [
      ...args,
      (sql: postgres.TransactionSql) =>
        Promise.resolve(callback(refusingOnceLost(sql, () => lost))).then(
          (value) => (lost ? stopped() : value),
          (error: unknown) => (lost ? stopped() : Promise.reject(error)),
        ),
    ]);
    outcome.catch(() => {
      lost = true;
    });
    return outcome;
  };
  return new Proxy(client, {
    get: (target, property) => (property === "begin" ? begin : Reflect.get(target, property)),
  });
}

function refusingOnceLost(sql: postgres.TransactionSql, isLost: () => boolean): postgres.TransactionSql {
  return new Proxy(sql, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property !== "unsafe" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (isLost()) throw new Error("The transaction's connection was lost; nothing more is sent for it.");
        return value.apply(target, args);
      };
    },
  });
}

/** Never settles: postgres.js then neither commits nor rolls back on a connection that is gone. */
function stopped(): Promise<never> {
  return new Promise<never>(() => {});
}
