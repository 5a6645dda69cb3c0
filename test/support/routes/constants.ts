import type { Role } from "../../../src/features/users/schemas.ts";

export const EVERYONE: readonly Role[] = ["admin", "manager", "developer", "reporter"];
/** A well-formed id that matches nothing: an allowed caller gets 404, never 401/403. */
export const MISSING_ID = "00000000-0000-4000-8000-000000000000";
