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

const LAST_IDS_BY_TABLE: Record<string, RegExp> = {
  // The notifications the comment wrote are read back by id, then their events published by id.
  notifications: /"notifications"\."id" in \(/,
  events: /"events"\."id" in \(/,
};
const INSERT_INTO = /^insert into "(\w+)"/;

/**
 * Replays a comment's captured statements as the API ran them: the comment, the first-response
 * update (matching nothing after the first comment, as in the API), its audit row, the commenter
 * made a watcher, the watchers' notifications in one set-based insert, the outbox events, in one
 * transaction; then marking the events published in a second. Ids this replay's inserts return
 * take the place of the captured ones: the comment's (named in the captured response), and the
 * notifications' and events' (named by the later statements that select them by id). Returns the
 * inserted comment row.
 */
export async function replayComment(
  sql: postgres.Sql,
  statements: Statement[],
  capturedCommentId: string,
  substitute: (value: unknown, query: string) => unknown,
): Promise<Record<string, unknown>> {
  const split = statements.findLastIndex((statement) => OUTBOX_INSERT.test(statement.query)) + 1;
  const returned = new Map<unknown, unknown>();
  const inserted: Record<string, unknown[]> = { notifications: [], events: [] };
  let comment: Record<string, unknown> | undefined;

  const mapInsertedIds = (table: string, index: number) => {
    const pattern = LAST_IDS_BY_TABLE[table];
    const reader = pattern && statements.slice(index + 1).find((statement) => pattern.test(statement.query));
    const ids = inserted[table] ?? [];
    if (!reader || reader.params.length !== ids.length)
      throw new Error(`${table}: the replay inserted ${ids.length} rows, the API ${reader?.params.length}`);
    for (const [position, captured] of reader.params.entries()) returned.set(captured, ids[position]);
  };
  const run = async (tx: postgres.TransactionSql, statement: Statement, index: number) => {
    const params = statement.params.map((value) =>
      returned.has(value) ? returned.get(value) : substitute(value, statement.query),
    ) as postgres.ParameterOrJSON<never>[];
    const rows = await tx.unsafe(statement.query, params, { prepare: true });
    const table = INSERT_INTO.exec(statement.query)?.[1];
    if (table === "ticket_comments") {
      comment = rows[0];
      returned.set(capturedCommentId, comment?.id);
    }
    if (table && table in inserted) {
      inserted[table]?.push(...rows.map((row) => row.id));
      // The last insert into the table before its ids are read back: map them all at once.
      const next = statements.slice(index + 1);
      const insertsAgain = next.findIndex((later) => INSERT_INTO.exec(later.query)?.[1] === table);
      const readsBack = next.findIndex((later) => LAST_IDS_BY_TABLE[table]?.test(later.query));
      if (insertsAgain === -1 || (readsBack !== -1 && readsBack < insertsAgain)) mapInsertedIds(table, index);
    }
  };
  await sql.begin(async (tx) => {
    for (const [index, statement] of statements.slice(0, split).entries()) await run(tx, statement, index);
  });
  await sql.begin(async (tx) => {
    for (const [index, statement] of statements.slice(split).entries())
      await run(tx, statement, split + index);
  });
  if (!comment) throw new Error("the comment insert returned nothing");
  return comment;
}
