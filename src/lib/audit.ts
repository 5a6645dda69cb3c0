import { auditLog } from "../db/schema.ts";
import type { Actor } from "./actor.ts";

type AuditWriter = {
  insert: (table: typeof auditLog) => { values: (row: typeof auditLog.$inferInsert) => PromiseLike<unknown> };
};

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * Writes one audit row with the caller's transaction (`tx`), so the change and its record commit
 * or roll back together. Only changed fields are kept in before/after.
 */
export async function writeAudit(tx: AuditWriter, actor: Actor | null, entry: AuditEntry): Promise<void> {
  const { before, after } = changedFields(entry.before ?? null, entry.after ?? null);
  await tx.insert(auditLog).values({
    actorId: actor?.userId ?? null,
    actorRole: actor?.role ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before,
    after,
    requestId: actor?.requestId ?? null,
    ip: actor?.ip ?? null,
    userAgent: actor?.userAgent ?? null,
  });
}

/** The fields that differ, on each side; a creation or deletion keeps its whole side. */
export function changedFields(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  if (!before || !after) return { before, after };
  const changedBefore: Record<string, unknown> = {};
  const changedAfter: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changedBefore[key] = before[key];
    changedAfter[key] = after[key];
  }
  return { before: changedBefore, after: changedAfter };
}
