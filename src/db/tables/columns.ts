import { integer, timestamp } from "drizzle-orm/pg-core";

/** created/updated timestamps (timestamptz) and the optimistic-concurrency version. */
export const auditedColumns = () => ({
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  version: integer("version").notNull().default(1),
});
