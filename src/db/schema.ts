// The whole database schema; drizzle-kit generates migrations from these exports.
export * from "./tables/assignments.ts";
export * from "./tables/attachments.ts";
export * from "./tables/audit.ts";
export * from "./tables/categories.ts";
export * from "./tables/comments.ts";
export * from "./tables/developers.ts";
export * from "./tables/events.ts";
export * from "./tables/teams.ts";
export * from "./tables/tickets.ts";
export * from "./tables/users.ts";
