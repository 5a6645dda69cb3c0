// The whole database schema; drizzle-kit generates migrations from these exports.

export * from "./tables/account-mail.ts";
export * from "./tables/api-keys.ts";
export * from "./tables/assignments.ts";
export * from "./tables/attachments.ts";
export * from "./tables/audit.ts";
export * from "./tables/categories.ts";
export * from "./tables/comments.ts";
export * from "./tables/developers.ts";
export * from "./tables/events.ts";
export * from "./tables/jobs.ts";
export * from "./tables/notifications.ts";
export * from "./tables/teams.ts";
export * from "./tables/tickets.ts";
export * from "./tables/users.ts";
export * from "./tables/webhooks.ts";
