import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NewPassword, PresentedPassword } from "../auth/password-policy.ts";
import { Email, PersonName, ROLES } from "../users/schemas.ts";

/** A token from a mailed link: what the frontend read from `?token=` (base64url, 43 characters). */
const MailedToken = z
  .string()
  .min(1)
  .max(200)
  .openapi({ description: "The `token` query parameter of the link in the mail" });

export const PasswordResetRequest = z.object({ email: Email }).strict().openapi("PasswordResetRequest");

export const PasswordResetConfirm = z
  .object({ token: MailedToken, newPassword: NewPassword })
  .strict()
  .openapi("PasswordResetConfirm");

export const EmailToken = z.object({ token: MailedToken }).strict().openapi("EmailToken");

export const EmailChangeRequest = z
  .object({
    newEmail: Email,
    currentPassword: PresentedPassword,
    signOutEverywhere: z
      .boolean()
      .default(false)
      .openapi({ description: "End every session of the user once the new address is confirmed" }),
  })
  .strict()
  .openapi("EmailChangeRequest");

export const INVITATION_STATUSES = ["pending", "accepted", "revoked", "expired"] as const;

export const Invitation = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(ROLES),
    teamIds: z.array(z.uuid()),
    status: z.enum(INVITATION_STATUSES),
    expiresAt: z.iso.datetime(),
    invitedBy: z.union([z.uuid(), z.null()]),
    acceptedUserId: z.union([z.uuid(), z.null()]),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Invitation");
export type Invitation = z.infer<typeof Invitation>;

export const CreateInvitation = z
  .object({
    email: Email,
    role: z.enum(ROLES),
    teamIds: z
      .array(z.uuid())
      .max(20)
      .default([])
      .openapi({ description: "Teams the new account joins as a member; a manager must lead each one" }),
  })
  .strict()
  .openapi("CreateInvitation");

export const AcceptInvitation = z
  .object({ token: MailedToken, name: PersonName, password: NewPassword })
  .strict()
  .openapi("AcceptInvitation");

export const InvitationRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

export const InvitationListQuery = ListQuery.extend({ status: z.enum(INVITATION_STATUSES).optional() });

export const InvitationList = listOf(Invitation, "InvitationList");
