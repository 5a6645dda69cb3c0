import { createPgliteDatabase } from "../src/adapters/database/pglite.ts";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { ConfigError, parseConfig } from "../src/config/parse.ts";
import { loadEnvironment } from "../src/node/env-file.ts";

/** Applies drizzle/ migrations to DATABASE_URL, or to the embedded database under DATA_DIR. */
try {
  const config = parseConfig(loadEnvironment(process.cwd(), process.env));
  if (config.DATABASE_URL) {
    const database = createPostgresDatabase(config.DATABASE_URL, { maxConnections: 1 });
    await database.migrate();
    await database.close();
    console.log("migrations applied to DATABASE_URL");
  } else {
    // Opening the embedded database applies the migrations.
    const database = await createPgliteDatabase(config.DATA_DIR);
    await database.close();
    console.log(`migrations applied to the embedded database in ${config.DATA_DIR}`);
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
