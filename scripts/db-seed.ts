import { createPgliteDatabase } from "../src/adapters/database/pglite.ts";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { createNativePasswordHasher } from "../src/adapters/passwords/native.ts";
import { ensureAdmin } from "../src/db/seed/ensure-admin.ts";
import { SeedConfigSchema } from "../src/db/seed/seed-config.ts";
import { loadEnvironment } from "../src/node/env-file.ts";

/** Seeds what exists so far: the bootstrap admin. Safe to run again and again. */
const parsed = SeedConfigSchema.safeParse(loadEnvironment(process.cwd(), process.env));
if (!parsed.success) {
  console.error(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n"));
  process.exit(1);
}
const config = parsed.data;
const database = config.DATABASE_URL
  ? createPostgresDatabase(config.DATABASE_URL, { maxConnections: 2 })
  : await createPgliteDatabase(config.DATA_DIR);
try {
  if (database.kind === "postgres") await database.migrate();
  const outcome = await ensureAdmin(database.db, createNativePasswordHasher(), {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_PASSWORD,
  });
  console.log(JSON.stringify({ msg: "seeded", admin: config.ADMIN_EMAIL, outcome }));
} finally {
  await database.close();
}
