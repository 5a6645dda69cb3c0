import { eq, sql } from "drizzle-orm";
import { type NotificationKind, notificationKinds, notificationPreferences } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import type { NotificationPreferences } from "./schemas.ts";

/** Every kind, `in_app` unless the user chose otherwise. */
export async function getPreferences(deps: Pick<Deps, "db">, actor: Actor): Promise<NotificationPreferences> {
  const rows = await deps.db
    .select({ kind: notificationPreferences.kind, channel: notificationPreferences.channel })
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, actor.userId));
  const chosen = new Map(rows.map((row) => [row.kind, row.channel]));
  return Object.fromEntries(
    notificationKinds.map((kind) => [kind, chosen.get(kind) ?? "in_app"]),
  ) as NotificationPreferences;
}

/** Merges the given kinds into the user's choices (one upsert) and returns them all. */
export async function updatePreferences(
  deps: Pick<Deps, "db">,
  actor: Actor,
  patch: Partial<NotificationPreferences>,
): Promise<NotificationPreferences> {
  const values = Object.entries(patch).map(([kind, channel]) => ({
    userId: actor.userId,
    kind: kind as NotificationKind,
    channel: channel as "in_app" | "email" | "off",
  }));
  if (values.length > 0) {
    await deps.db
      .insert(notificationPreferences)
      .values(values)
      .onConflictDoUpdate({
        target: [notificationPreferences.userId, notificationPreferences.kind],
        set: { channel: sql`excluded.channel`, updatedAt: sql`now()` },
      });
  }
  return getPreferences(deps, actor);
}
