import { z } from "@hono/zod-openapi";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { Email, PersonName, ROLES } from "../users/schemas.ts";
import { NewPassword, PresentedPassword } from "./password-policy.ts";

export const Register = z
  .object({ email: Email, password: NewPassword, name: PersonName })
  .strict()
  .openapi("Register");

export const Login = z
  .object({
    email: z.string().trim().min(1).max(254).openapi({ pattern: NOT_BLANK }),
    password: PresentedPassword,
  })
  .strict()
  .openapi("Login");

export const RefreshRequest = z
  .object({ refreshToken: z.string().min(1).max(200).optional() })
  .strict()
  .openapi("RefreshRequest", { description: "Omit refreshToken to use the refresh cookie." });

export const ChangePassword = z
  .object({ currentPassword: PresentedPassword, newPassword: NewPassword })
  .strict()
  .openapi("ChangePassword");

export const TokenPair = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Access token lifetime in seconds" }),
    refreshToken: z.string(),
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), role: z.enum(ROLES) }),
  })
  .openapi("TokenPair");

export const Session = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    userAgent: z.string(),
    ip: z.string(),
    current: z.boolean(),
  })
  .openapi("Session");

export const SessionList = z.object({ data: z.array(Session), nextCursor: z.null() }).openapi("SessionList");

export const SessionRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
