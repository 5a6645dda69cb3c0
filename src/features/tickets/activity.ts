import { and, count, desc, eq, inArray, isNotNull, type SQL, sql } from "drizzle-orm";
import { auditLog, ticketComments } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { BadRequestError } from "../../lib/errors.ts";
import { isPgTimestamp } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { loadVisibleTicket } from "./access.ts";
import type { TicketActivityEntry } from "./list-schemas.ts";

const INTERNAL = sql`'{"visibility":"internal"}'::jsonb`;

/**
 * A ticket's history, newest first: the ticket's own audit rows and those of its comments (found
 * through ticket_comments_ticket_created_idx, so both halves are audit_log_entity_idx lookups
 * that grow with this ticket's history only; the page is sorted after). Reporters never get a row
 * of an internal comment: the comment must be public now and no row may say it was internal.
 * Request metadata (ip, user agent, request id) stays in the admin audit log.
 */
export async function listTicketActivity(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  await loadVisibleTicket(deps.db, actor, ticketId);
  const reporterView = actor.role === "reporter";
  const comments = deps.db
    .select({ id: sql`${ticketComments.id}::text` })
    .from(ticketComments)
    .where(
      and(
        eq(ticketComments.ticketId, ticketId),
        reporterView ? eq(ticketComments.visibility, "public") : undefined,
      ),
    );
  const commentRows = and(
    eq(auditLog.entityType, "comment"),
    // `= any(array(...))`, not `in (...)`: the ids become an index condition on
    // audit_log_entity_idx instead of a filter over every comment row in the log.
    sql`${auditLog.entityId} = any(array(${comments}))`,
    reporterView
      ? sql`not (coalesce(${auditLog.after}, '{}') @> ${INTERNAL} or coalesce(${auditLog.before}, '{}') @> ${INTERNAL})`
      : undefined,
  );
  const scope = sql`((${auditLog.entityType} = 'ticket' and ${auditLog.entityId} = ${ticketId}) or (${commentRows}))`;
  const after = query.cursor ? afterCursor(query.cursor) : undefined;
  const rows = await deps.db
    .select({
      id: auditLog.id,
      action: auditLog.action,
      actorId: auditLog.actorId,
      actorRole: auditLog.actorRole,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      before: auditLog.before,
      after: auditLog.after,
      createdAt: auditLog.createdAt,
      cursorAt: sql<string>`${auditLog.createdAt}::text`,
    })
    .from(auditLog)
    .where(and(scope, after))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.cursorAt, row.id]);
  const forgotten = await deletedCommentIds(deps, page);
  const data: TicketActivityEntry[] = page.map(({ cursorAt: _cursor, ...row }) => ({
    ...row,
    before: forgotten.has(row.entityId)
      ? withoutBody(row.before)
      : (row.before as Record<string, unknown> | null),
    after: forgotten.has(row.entityId)
      ? withoutBody(row.after)
      : reporterView
        ? withoutScore(row.after)
        : (row.after as Record<string, unknown> | null),
    createdAt: row.createdAt.toISOString(),
  }));
  if (!query.count) return { data, nextCursor };
  const [total] = await deps.db.select({ value: count() }).from(auditLog).where(scope);
  return { data, nextCursor, total: total?.value ?? 0 };
}

/**
 * A deleted comment's body leaves the ticket's activity for everyone (the row stays: who wrote
 * or deleted it, when); the admin audit log keeps the full record.
 */
async function deletedCommentIds(deps: Deps, page: { entityType: string; entityId: string }[]) {
  const ids = page.filter((row) => row.entityType === "comment").map((row) => row.entityId);
  if (ids.length === 0) return new Set<string>();
  const rows = await deps.db
    .select({ id: sql<string>`${ticketComments.id}::text` })
    .from(ticketComments)
    .where(and(inArray(sql`${ticketComments.id}::text`, ids), isNotNull(ticketComments.deletedAt)));
  return new Set(rows.map((row) => row.id));
}

function withoutBody(values: unknown): Record<string, unknown> | null {
  if (values === null || typeof values !== "object") return null;
  const { body: _body, ...rest } = values as Record<string, unknown>;
  return rest;
}

/** An auto assignment's score comes from the staff's load and skills: not for reporters. */
function withoutScore(after: unknown): Record<string, unknown> | null {
  if (after === null || typeof after !== "object") return null;
  const { score: _score, ...rest } = after as Record<string, unknown>;
  return rest;
}

function afterCursor(cursor: string): SQL {
  const [at, id] = cursorValues(cursor, 2);
  if (!isPgTimestamp(at) || typeof id !== "number" || !Number.isSafeInteger(id))
    throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
  return sql`(${auditLog.createdAt}, ${auditLog.id}) < (${at}::timestamptz, ${id})`;
}
