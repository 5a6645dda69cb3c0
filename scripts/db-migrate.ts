import { z } from "zod";
import { createPgliteDatabase } from "../src/adapters/database/pglite.ts";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { ConfigSchema } from "../src/config/schema.ts";
import { loadEnvironment } from "../src/node/env-file.ts";

// Only the database settings: a deploy job migrating with DATABASE_URL needs no app secrets.
const MigrationConfig = z.object({
  DATABASE_URL: ConfigSchema.shape.DATABASE_URL,
  DATA_DIR: ConfigSchema.shape.DATA_DIR,
});

const parsed = MigrationConfig.safeParse(loadEnvironment(process.cwd(), process.env));
if (!parsed.success) {
  console.error(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n"));
  process.exit(1);
}
const { DATABASE_URL, DATA_DIR } = parsed.data;
if (DATABASE_URL) {
  const database = createPostgresDatabase(DATABASE_URL, { maxConnections: 1 });
  await database.migrate();
  await database.close();
  console.log("migrations applied to DATABASE_URL");
} else {
  // Opening the embedded database applies the migrations.
  const database = await createPgliteDatabase(DATA_DIR);
  await database.close();
  console.log(`migrations applied to the embedded database in ${DATA_DIR}`);
}
