import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema.ts";
import { createFreshDatabase } from "../support/test-context.ts";

let fresh: Awaited<ReturnType<typeof createFreshDatabase>>;
beforeAll(async () => {
  fresh = await createFreshDatabase();
});
afterAll(() => fresh.drop());

describe("audit_log is append-only in the database itself", () => {
  it("accepts inserts and refuses UPDATE, DELETE and TRUNCATE", async () => {
    const { db } = fresh.database;
    const [row] = await db
      .insert(auditLog)
      .values({ action: "ticket.created", entityType: "ticket", entityId: "t-1", after: { title: "x" } })
      .returning({ id: auditLog.id });
    expect(row?.id).toEqual(expect.any(Number));
    await expect(
      db.execute(sql`update audit_log set action = 'forged' where id = ${row?.id}`),
    ).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_log where id = ${row?.id}`)).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_log`)).rejects.toThrow();
    const [kept] = await db.select().from(auditLog).where(sql`id = ${row?.id}`);
    expect(kept?.action).toBe("ticket.created");
  });
});
