import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { ROLES } from "../users/schemas.ts";

export const TEAM_ROLES = ["lead", "member"] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

const TeamName = z.string().trim().min(1).max(100).openapi({ example: "Platform", pattern: NOT_BLANK });
const Description = z.string().trim().max(2000).openapi({ example: "Owns the API and the database" });

export const Team = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi("Team");
export type Team = z.infer<typeof Team>;

export const TeamRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
export const MemberRef = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
  userId: z.uuid().openapi({ param: { name: "userId", in: "path" } }),
});

export const CreateTeam = z
  .object({ name: TeamName, description: Description.default("") })
  .strict()
  .openapi("CreateTeam");

/** JSON Merge Patch: absent = unchanged; null description clears it. */
export const UpdateTeam = z
  .object({ name: TeamName, description: Description.nullable() })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { error: "must change at least one field" })
  .openapi("UpdateTeam", { minProperties: 1 });

export const TeamListQuery = ListQuery;
export const TeamList = listOf(Team, "TeamList");

export const TeamMember = z
  .object({
    teamId: z.uuid(),
    userId: z.uuid(),
    name: z.string(),
    email: z.string(),
    userRole: z.enum(ROLES),
    role: z.enum(TEAM_ROLES),
    joinedAt: z.iso.datetime(),
  })
  .openapi("TeamMember");
export type TeamMember = z.infer<typeof TeamMember>;

export const PutTeamMember = z
  .object({ role: z.enum(TEAM_ROLES) })
  .strict()
  .openapi("PutTeamMember");
export const TeamMemberList = listOf(TeamMember, "TeamMemberList");
