import { and, count, eq, gte, lte, or, type SQL, sql } from "drizzle-orm";
import { auditLog } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { BadRequestError } from "../../lib/errors.ts";
import { exactTime, isExactTime, newestFirst } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import type { AuditEntry, AuditLogQuery } from "./schemas.ts";

type AuditRow = typeof auditLog.$inferSelect;

/**
 * The exact created_at as text: a JS Date keeps milliseconds, PostgreSQL microseconds, and rows
 * written in one transaction share one now(). A cursor rounded to milliseconds would skip rows.
 */
const exactCreatedAt = exactTime(auditLog.createdAt);

/**
 * Newest first, keyset over (created_at, id). Each filter has an index leading with it and then
 * created_at (audit_log_actor_idx, _entity_idx, _action_idx); without one, audit_log_created_idx.
 */
export async function listAuditLog(deps: Deps, query: AuditLogQuery) {
  const filters = filtersOf(query);
  const conditions = [...filters];
  if (query.cursor) {
    const [createdAt, id] = cursorValues(query.cursor, 2);
    if (typeof createdAt !== "string" || !isExactTime(createdAt) || !Number.isSafeInteger(id)) {
      throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
    }
    const at = sql`${createdAt}::timestamptz`;
    conditions.push(
      or(
        sql`${auditLog.createdAt} < ${at}`,
        and(sql`${auditLog.createdAt} = ${at}`, sql`${auditLog.id} < ${id}`),
      ) as SQL,
    );
  }
  const rows = await deps.db
    .select({ row: auditLog, exactCreatedAt })
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(...newestFirst(auditLog.createdAt, auditLog.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (entry) => [entry.exactCreatedAt, entry.row.id]);
  const data = page.map((entry) => toAuditEntry(entry.row));
  if (!query.count) return { data, nextCursor };
  const [counted] = await deps.db
    .select({ total: count() })
    .from(auditLog)
    .where(and(...filters));
  return { data, nextCursor, total: counted?.total ?? 0 };
}

function filtersOf(query: AuditLogQuery): SQL[] {
  const filters: SQL[] = [];
  if (query.actorId) filters.push(eq(auditLog.actorId, query.actorId));
  if (query.entityType) filters.push(eq(auditLog.entityType, query.entityType));
  if (query.entityId) filters.push(eq(auditLog.entityId, query.entityId));
  if (query.action) filters.push(eq(auditLog.action, query.action));
  if (query.from) filters.push(gte(auditLog.createdAt, query.from));
  if (query.to) filters.push(lte(auditLog.createdAt, query.to));
  return filters;
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    actorId: row.actorId,
    actorRole: row.actorRole,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    before: row.before as Record<string, unknown> | null,
    after: row.after as Record<string, unknown> | null,
    requestId: row.requestId,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: row.createdAt.toISOString(),
  };
}
