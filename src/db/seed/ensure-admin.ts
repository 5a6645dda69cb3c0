import { sql } from "drizzle-orm";
import type { PasswordHasher } from "../../deps.ts";
import type { Database } from "../database.ts";
import { users } from "../schema.ts";

export type EnsureAdminOutcome = "created" | "promoted" | "unchanged";

/**
 * Makes sure an active admin with this email exists. An existing account keeps its password
 * (re-seeding must never reset a password someone changed); it is only made an active admin.
 */
export async function ensureAdmin(
  db: Database,
  passwords: PasswordHasher,
  admin: { email: string; password: string; name?: string },
): Promise<EnsureAdminOutcome> {
  const [existing] = await db
    .select({ id: users.id, role: users.role, status: users.status })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${admin.email})`);
  if (!existing) {
    const passwordHash = await passwords.hash(admin.password);
    const inserted = await db
      .insert(users)
      .values({
        email: admin.email,
        name: admin.name ?? "Administrator",
        role: "admin",
        passwordHash,
        // The operator chose this address and password: no mail to confirm, no forced change.
        emailVerifiedAt: sql`now()`,
      })
      .onConflictDoNothing()
      .returning({ id: users.id });
    return inserted.length > 0 ? "created" : "unchanged";
  }
  if (existing.role === "admin" && existing.status === "active") return "unchanged";
  await db
    .update(users)
    .set({ role: "admin", status: "active", updatedAt: sql`now()`, version: sql`${users.version} + 1` })
    .where(sql`${users.id} = ${existing.id}`);
  return "promoted";
}
