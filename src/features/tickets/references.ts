import { eq } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { categories, teams } from "../../db/schema.ts";
import { ValidationError } from "../../lib/errors.ts";

type Reader = Pick<Database, "select">;

/** The category a ticket points at (with its default team), or a 400 naming the field. */
export async function requireCategory(db: Reader, id: string): Promise<{ defaultTeamId: string | null }> {
  const [row] = await db
    .select({ defaultTeamId: categories.defaultTeamId })
    .from(categories)
    .where(eq(categories.id, id))
    .limit(1);
  if (!row) throw new ValidationError([{ path: "body.categoryId", message: "no such category" }]);
  return row;
}

export async function requireTeam(db: Reader, id: string): Promise<void> {
  const [row] = await db.select({ id: teams.id }).from(teams).where(eq(teams.id, id)).limit(1);
  if (!row) throw new ValidationError([{ path: "body.teamId", message: "no such team" }]);
}
