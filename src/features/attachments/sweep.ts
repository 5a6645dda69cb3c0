import { and, asc, eq, inArray, lt } from "drizzle-orm";
import { ticketAttachments } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { objectKeyOf, uploadKeyOf } from "./keys.ts";

export type SweepDeps = Pick<Deps, "db" | "objects" | "config" | "logger" | "clock">;

/**
 * Removes reservations never completed within ATTACHMENT_PENDING_TTL_MINUTES, with whatever bytes
 * they left (an upload or a moved-but-refused object). A sibling of the event relay's pass: the
 * Node loop and the Workers cron run both. Batches are claimed with SKIP LOCKED, so overlapping
 * runs split the work; a completion racing the sweep holds its row's lock (see completeAttachment's
 * conditional update) and whichever commits first wins. Never throws; returns how many it removed.
 */
export async function sweepAbandonedUploads(deps: SweepDeps, batchSize = 100): Promise<number> {
  try {
    const cutoff = new Date(deps.clock.now().getTime() - deps.config.ATTACHMENT_PENDING_TTL_MINUTES * 60_000);
    const removed = await deps.db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: ticketAttachments.id, ticketId: ticketAttachments.ticketId })
        .from(ticketAttachments)
        .where(and(eq(ticketAttachments.status, "pending"), lt(ticketAttachments.createdAt, cutoff)))
        .orderBy(asc(ticketAttachments.createdAt))
        .limit(batchSize)
        .for("update", { skipLocked: true });
      if (rows.length === 0) return 0;
      // Objects first: if the store fails, the rows stay and the next pass tries again.
      await deps.objects.delete(rows.flatMap((row) => [uploadKeyOf(row), objectKeyOf(row)]));
      await tx.delete(ticketAttachments).where(
        inArray(
          ticketAttachments.id,
          rows.map((row) => row.id),
        ),
      );
      return rows.length;
    });
    if (removed > 0) deps.logger.info("removed abandoned uploads", { removed });
    return removed;
  } catch (error) {
    deps.logger.warn("sweeping abandoned uploads failed; retrying on the next run", { error });
    return 0;
  }
}
