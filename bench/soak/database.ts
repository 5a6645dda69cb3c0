import postgres from "postgres";
import { createPostgresDatabase } from "../../src/adapters/database/postgres.ts";
import { createNativePasswordHasher } from "../../src/adapters/passwords/native.ts";
import { seedDemo } from "../../src/db/seed/demo.ts";
import { ensureAdmin } from "../../src/db/seed/ensure-admin.ts";
import { SOAK_ADMIN } from "./users.ts";

export const SOAK_DATABASE = "tixgenius_soak";

/**
 * A fresh `tixgenius_soak` on DATABASE_URL's server for every run: migrated, with the soak's admin
 * and the demo organisation (every role, four teams, developers with skills and capacities, 300
 * tickets). Fresh, so counts such as "events committed during the run" mean only this run.
 */
export async function prepareSoakDatabase(serverUrl: string): Promise<string> {
  const url = new URL(serverUrl);
  url.pathname = `/${SOAK_DATABASE}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${SOAK_DATABASE}" with (force)`);
    await admin.unsafe(`create database "${SOAK_DATABASE}"`);
  } finally {
    await admin.end();
  }
  const database = createPostgresDatabase(url.toString(), { maxConnections: 2 });
  try {
    await database.migrate();
    const passwords = createNativePasswordHasher();
    await ensureAdmin(database.db, passwords, { ...SOAK_ADMIN, name: "Soak Admin" });
    const demo = await seedDemo(database.db, passwords);
    if (demo.outcome !== "created") throw new Error("the soak database already held the demo organisation");
    console.log(`seeded ${SOAK_DATABASE}: ${JSON.stringify(demo.counts)}`);
  } finally {
    await database.close();
  }
  return url.toString();
}
