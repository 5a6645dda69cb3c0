import { asc, desc, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { tickets } from "../../db/schema.ts";
import { decodeCursor } from "../../lib/cursor.ts";
import { BadRequestError } from "../../lib/errors.ts";
import { isPgTimestamp } from "../../lib/keyset.ts";
import type { TicketListQuery } from "./list-schemas.ts";

type CursorKey = (string | null)[];

/**
 * How a ticket list is ordered and continued. Every order ends with `id`, so it is total and a
 * keyset cursor neither repeats nor skips rows. Cursor values are the sort key as PostgreSQL text
 * (timestamps keep their microseconds, ranks their exact float4) plus the id, prefixed with the
 * sort's name so a cursor from another sort is a 400. Each order matches an index in
 * src/db/tables/tickets.ts, scanned forwards or backwards:
 *   createdAt → tickets_created_idx, updatedAt → tickets_updated_idx,
 *   priority → tickets_priority_idx (priority, created_at, id), dueAt → tickets_due_idx;
 *   relevance (`q` without `sort`) filters through the GIN index tickets_search_idx and ranks
 *   the matches.
 */
export interface Ordering {
  name: string;
  orderBy: SQL[];
  /** Selected with each row: the JSON text of its key values (see `keyOf`). */
  cursorKey: SQL<string>;
  after(cursor: string): SQL;
}

export function orderingFor(sort: TicketListQuery["sort"], tsQuery: SQL | undefined): Ordering {
  if (sort === undefined && tsQuery) return byRank(tsQuery);
  const name = sort ?? "-createdAt";
  const descending = name.startsWith("-");
  const direction = descending ? desc : asc;
  const compare = sql.raw(descending ? "<" : ">");
  const key = name.replace("-", "");
  if (key === "dueAt") return byDueAt(name, descending);
  const columns =
    key === "priority"
      ? [tickets.priority, tickets.createdAt]
      : [key === "updatedAt" ? tickets.updatedAt : tickets.createdAt];
  const kinds: KeyKind[] = key === "priority" ? ["priority", "timestamp"] : ["timestamp"];
  const casts = key === "priority" ? ["ticket_priority", "timestamptz"] : ["timestamptz"];
  // The created/updated indexes are `desc nulls last`: the order must say so (though the columns
  // are NOT NULL) or PostgreSQL will not read it off the index, forwards or backwards.
  const nulls = key === "priority" ? sql`` : sql.raw(descending ? " nulls last" : " nulls first");
  return {
    name,
    orderBy: [...columns, tickets.id].map((column) => sql`${direction(column)}${nulls}`),
    cursorKey: keyOf(...columns),
    after(cursor) {
      const [values, id] = decode(cursor, name, kinds);
      const typed = values.map((value, index) => sql`${value}::${sql.raw(casts[index] ?? "text")}`);
      return sql`(${sql.join(columns, sql`, `)}, ${tickets.id}) ${compare} (${sql.join(typed, sql`, `)}, ${id}::uuid)`;
    },
  };
}

/** Nulls last ascending, first descending: the order a btree index yields in either direction. */
function byDueAt(name: string, descending: boolean): Ordering {
  const due = tickets.dueAt;
  return {
    name,
    orderBy: descending
      ? [sql`${due} desc nulls first`, desc(tickets.id)]
      : [sql`${due} asc nulls last`, asc(tickets.id)],
    cursorKey: keyOf(due),
    after(cursor) {
      const [[at], id] = decode(cursor, name, ["timestamp"], true);
      if (descending) {
        return at === null
          ? sql`((${due} is null and ${tickets.id} < ${id}::uuid) or ${due} is not null)`
          : sql`(${due}, ${tickets.id}) < (${at}::timestamptz, ${id}::uuid)`;
      }
      return at === null
        ? sql`(${due} is null and ${tickets.id} > ${id}::uuid)`
        : sql`((${due}, ${tickets.id}) > (${at}::timestamptz, ${id}::uuid) or ${due} is null)`;
    },
  };
}

function byRank(tsQuery: SQL): Ordering {
  const rank = sql`ts_rank(${tickets.search}, ${tsQuery})`;
  return {
    name: "relevance",
    orderBy: [sql`${rank} desc`, desc(tickets.id)],
    cursorKey: keyOf(rank),
    after(cursor) {
      const [[value], id] = decode(cursor, "relevance", ["real"]);
      return sql`(${rank}, ${tickets.id}) < (${value}::real, ${id}::uuid)`;
    },
  };
}

/**
 * The row's sort key as PostgreSQL prints it, JSON-encoded in SQL: text keeps microseconds and a
 * float4's exact digits, and JSON keeps a null a null (drivers parse text[] NULLs differently).
 */
function keyOf(...values: SQLWrapper[]): SQL<string> {
  return sql<string>`json_build_array(${sql.join(
    values.map((value) => sql`${value}::text`),
    sql`, `,
  )})::text`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type KeyKind = "timestamp" | "priority" | "real";

/**
 * Cursor values reach SQL casts, so each is checked against the text PostgreSQL itself produced:
 * a forged value must be a 400, never a cast error (500).
 */
const isKey: Record<KeyKind, (value: unknown) => boolean> = {
  timestamp: isPgTimestamp,
  priority: (value) => typeof value === "string" && ["low", "medium", "high", "urgent"].includes(value),
  real: (value) =>
    typeof value === "string" && /^-?\d{1,10}(\.\d{1,12})?(e-?\d{1,2})?$/.test(value) && Number(value) < 1e6,
};

/** [sort name, ...key values, id]; anything else, or another sort's cursor, is a 400. */
function decode(
  cursor: string,
  name: string,
  kinds: readonly KeyKind[],
  nullable = false,
): [CursorKey, string] {
  const parts = decodeCursor<unknown[]>(cursor, (values): values is unknown[] => values.length > 0);
  if (parts[0] !== name) {
    throw new BadRequestError(
      "This cursor belongs to another sort order; start again without it.",
      "cursor_sort_mismatch",
    );
  }
  const valid =
    parts.length === kinds.length + 2 &&
    kinds.every((kind, index) => (nullable && parts[index + 1] === null) || isKey[kind](parts[index + 1])) &&
    typeof parts.at(-1) === "string" &&
    UUID.test(parts.at(-1) as string);
  if (!valid) throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
  return [parts.slice(1, -1) as CursorKey, parts.at(-1) as string];
}
