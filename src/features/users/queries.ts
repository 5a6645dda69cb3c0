import { eq, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { preparedOnce } from "../../db/prepared.ts";
import { users } from "../../db/schema.ts";
import type { User } from "./schemas.ts";

export type UserRow = typeof users.$inferSelect;

/** Emails match regardless of case, through the lower(email) unique index. */
export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1);
  return row;
}

export async function findUserById(db: Database, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

/** What authentication needs of the caller on every request, and nothing else (no hash). */
export async function findCaller(db: Database, id: string) {
  const [row] = await preparedOnce(db, "caller", () =>
    db
      .select({
        id: users.id,
        role: users.role,
        status: users.status,
        passwordChangeRequired: users.passwordChangeRequired,
        emailVerified: sql<boolean>`${users.emailVerifiedAt} is not null`,
      })
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .limit(1)
      .prepare("caller"),
  ).execute({ id });
  return row;
}

/** The public shape of a user: never the password hash. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  // Drizzle wraps driver errors; postgres.js and PGlite both expose SQLSTATE as `code`.
  for (let depth = 0; current && depth < 4; depth++) {
    if ((current as { code?: unknown }).code === "23505") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
