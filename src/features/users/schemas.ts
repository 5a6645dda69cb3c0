import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { NewPassword } from "../auth/password-policy.ts";

export const ROLES = ["admin", "manager", "developer", "reporter"] as const;
export const USER_STATUSES = ["active", "disabled"] as const;
export type Role = (typeof ROLES)[number];

export const Email = z
  .email({ error: "must be an email address" })
  .max(254)
  .transform((email) => email.trim())
  .openapi({ example: "ada@example.com" });

export const PersonName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .openapi({ example: "Ada Lovelace", pattern: NOT_BLANK });

export const User = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    status: z.enum(USER_STATUSES),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi("User");
export type User = z.infer<typeof User>;

export const UserRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

export const CreateUser = z
  .object({ email: Email, name: PersonName, role: z.enum(ROLES), password: NewPassword })
  .strict()
  .openapi("CreateUser");

export const UpdateUser = z
  .object({ name: PersonName, role: z.enum(ROLES), status: z.enum(USER_STATUSES) })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { error: "must change at least one field" })
  .openapi("UpdateUser", { minProperties: 1 });

export const UpdateMe = z.object({ name: PersonName }).strict().openapi("UpdateMe");

export const UserListQuery = ListQuery.extend({
  role: z.enum(ROLES).optional(),
  status: z.enum(USER_STATUSES).optional(),
});

export const UserList = listOf(User, "UserList");
