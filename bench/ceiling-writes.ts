import type postgres from "postgres";
import type { Statement } from "./capture.ts";

const OUTBOX_INSERT = /^insert into "events"/;
const OUTBOX_BY_ID = /"events"\."id" in \(\$1\)/;
const TICKET_WRITE = /^(insert into|update) "tickets"/;

/**
 * Replays a write's captured statements as the API ran them: the change, its audit row and its
 * outbox event in one transaction, then marking the event published in a second (between the two
 * the API publishes to Redis, which no ceiling has). Ids the API got back from its inserts (the
 * new ticket, the outbox row) are replaced by the ones this replay gets back. Returns the ticket
 * row the insert or update returned, or undefined when the update matched nothing.
 */
export async function replayWrite(
  sql: postgres.Sql,
  statements: Statement[],
  captured: { ticketId?: string },
  substitute: (value: unknown, query: string) => unknown,
): Promise<unknown[] | undefined> {
  const split = statements.findIndex((statement) => OUTBOX_INSERT.test(statement.query)) + 1;
  const capturedEventId = statements.slice(split).find((statement) => OUTBOX_BY_ID.test(statement.query))
    ?.params[0];
  const returned = new Map<unknown, unknown>();
  let ticket: unknown[] | undefined;
  let changed = true;

  const run = async (tx: postgres.TransactionSql, statement: Statement) => {
    const params = statement.params.map((value) =>
      returned.has(value) ? returned.get(value) : substitute(value, statement.query),
    ) as postgres.ParameterOrJSON<never>[];
    const rows = await tx.unsafe(statement.query, params, { prepare: true }).values();
    if (OUTBOX_INSERT.test(statement.query)) returned.set(capturedEventId, rows[0]?.[0]);
    if (TICKET_WRITE.test(statement.query) && ticket === undefined) {
      ticket = rows[0];
      changed = ticket !== undefined;
      if (statement.query.startsWith("insert") && captured.ticketId)
        returned.set(captured.ticketId, ticket?.[0]);
    }
  };
  await sql.begin(async (tx) => {
    for (const statement of statements.slice(0, split)) {
      await run(tx, statement);
      if (!changed) return; // a stale If-Match: the API answers 412 and writes nothing more
    }
  });
  if (!changed) return undefined;
  await sql.begin(async (tx) => {
    for (const statement of statements.slice(split)) await run(tx, statement);
  });
  return ticket;
}
