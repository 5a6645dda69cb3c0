import { createPgliteDatabase } from "../src/adapters/database/pglite.ts";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { createNativePasswordHasher } from "../src/adapters/passwords/native.ts";
import { demoWanted, seedDemo } from "../src/db/seed/demo.ts";
import { ensureAdmin } from "../src/db/seed/ensure-admin.ts";
import { SeedConfigSchema } from "../src/db/seed/seed-config.ts";
import { loadEnvironment } from "../src/node/env-file.ts";

/**
 * Seeds the bootstrap admin and, in development and test (or with SEED_DEMO=true), the demo
 * organisation. Safe to run again and again. SEED_DEMO is read here, never by the app's config.
 */
const environment = loadEnvironment(process.cwd(), process.env);
const parsed = SeedConfigSchema.safeParse(environment);
if (!parsed.success) {
  console.error(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n"));
  process.exit(1);
}
const config = parsed.data;
let withDemo: boolean;
try {
  withDemo = demoWanted(config.NODE_ENV, environment.SEED_DEMO);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const database = config.DATABASE_URL
  ? createPostgresDatabase(config.DATABASE_URL, { maxConnections: 2 })
  : await createPgliteDatabase(config.DATA_DIR);
try {
  if (database.kind === "postgres") await database.migrate();
  const passwords = createNativePasswordHasher();
  const outcome = await ensureAdmin(database.db, passwords, {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_PASSWORD,
  });
  console.log(JSON.stringify({ msg: "seeded", admin: config.ADMIN_EMAIL, outcome }));
  if (withDemo) {
    const startedAt = performance.now();
    const demo = await seedDemo(database.db, passwords);
    const ms = Math.round(performance.now() - startedAt);
    console.log(JSON.stringify({ msg: "demo data", ...demo, ms }));
  }
} finally {
  await database.close();
}
