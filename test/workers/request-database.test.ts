import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createRequestDatabase } from "../../src/adapters/database/request-scoped.ts";
import * as schema from "../../src/db/schema.ts";
import { parseWorkerConfig } from "../../src/worker/config.ts";
import { createUser } from "./support/accounts.ts";

const { DATABASE_URL } = parseWorkerConfig(env);

describe("the Worker's per-request database", () => {
  it("builds the schema's relational config and the dialect once per isolate, not per request", () => {
    const first = createRequestDatabase(DATABASE_URL);
    const second = createRequestDatabase(DATABASE_URL);

    expect(second._.schema).toBe(first._.schema);
    expect(second._.tableNamesMap).toBe(first._.tableNamesMap);
    expect((second as unknown as { dialect: unknown }).dialect).toBe(
      (first as unknown as { dialect: unknown }).dialect,
    );
    // Each request still gets its own client: sockets cannot cross requests in workerd.
    expect(second._.session).not.toBe(first._.session);
  });

  it("reads rows exactly as a database built by drizzle() with the schema does", async () => {
    const user = await createUser({ role: "manager" });
    const plain = drizzle({
      client: postgres(DATABASE_URL, { max: 1, fetch_types: false, onnotice: () => {} }),
      schema,
      casing: "snake_case",
    });

    const [expected] = await plain.select().from(schema.users).where(eq(schema.users.id, user.id));
    const [actual] = await createRequestDatabase(DATABASE_URL)
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, user.id));

    expect(expected?.createdAt).toBeInstanceOf(Date);
    expect(actual).toEqual(expected);
  });

  it("writes and reads back a snake_case timestamp column inside a transaction", async () => {
    const user = await createUser();
    const db = createRequestDatabase(DATABASE_URL);
    const at = new Date("2026-01-02T03:04:05.678Z");

    const [row] = await db.transaction(async (tx) => {
      await tx.update(schema.users).set({ updatedAt: at }).where(eq(schema.users.id, user.id));
      return tx
        .select({ id: schema.users.id, updatedAt: schema.users.updatedAt })
        .from(schema.users)
        .where(eq(schema.users.id, user.id));
    });

    expect(row).toEqual({ id: user.id, updatedAt: at });
  });
});
