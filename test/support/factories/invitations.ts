import { invitations } from "../../../src/db/schema.ts";
import type { Role } from "../../../src/features/users/schemas.ts";
import { randomToken, sha256Hex } from "../../../src/lib/crypto.ts";
import { uniqueEmail } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

/** A pending invitation straight into the database (no mail); returns its id. */
export async function insertInvitation(
  ctx: TestContext,
  overrides: { invitedBy: string; role?: Role; teamIds?: string[] },
): Promise<string> {
  const [row] = await ctx.deps.db
    .insert(invitations)
    .values({
      email: uniqueEmail("invited"),
      role: overrides.role ?? "developer",
      teamIds: overrides.teamIds ?? [],
      invitedBy: overrides.invitedBy,
      tokenHash: await sha256Hex(randomToken(32)),
      expiresAt: new Date(Date.now() + 72 * 3600_000),
    })
    .returning({ id: invitations.id });
  if (!row) throw new Error("insert returned nothing");
  return row.id;
}
