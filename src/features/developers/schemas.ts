import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";

/** The shape of an IANA name: keeps offsets ("+05:30"), which Intl also takes, out. */
const TIME_ZONE_PATTERN = "^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$";

export const AVAILABILITIES = ["available", "away", "offline"] as const;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const Skill = z
  .object({ categoryId: z.uuid(), level: z.number().int().min(1).max(5) })
  .strict()
  .openapi("Skill");

const Skills = z
  .array(Skill)
  .max(200)
  .superRefine((skills, ctx) => {
    const seen = new Set<string>();
    skills.forEach((skill, index) => {
      if (seen.has(skill.categoryId))
        ctx.addIssue({ code: "custom", path: [index, "categoryId"], message: "duplicate category" });
      seen.add(skill.categoryId);
    });
  });

export const DeveloperProfile = z
  .object({
    userId: z.uuid(),
    skills: z.array(Skill),
    capacity: z.number().int().openapi({ description: "Most open tickets assigned at once" }),
    availability: z.enum(AVAILABILITIES),
    timezone: z.string().openapi({ example: "Europe/Berlin" }),
    lastAssignedAt: z.iso.datetime().nullable(),
    openLoad: z.number().int().openapi({ description: "Assigned tickets open, in progress or blocked" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi("DeveloperProfile");
export type DeveloperProfile = z.infer<typeof DeveloperProfile>;

export const PutDeveloperProfile = z
  .object({
    skills: Skills,
    capacity: z.number().int().min(0).max(1000),
    availability: z.enum(AVAILABILITIES),
    timezone: z
      .string()
      .min(1)
      .max(64)
      .regex(new RegExp(TIME_ZONE_PATTERN), { error: "must be an IANA time zone name", abort: true })
      .refine(isTimeZone, { error: "must be an IANA time zone name" })
      .openapi({
        example: "Europe/Berlin",
        pattern: TIME_ZONE_PATTERN,
        description: "An IANA time zone name the server's ICU knows (Europe/Berlin, UTC); others are a 400",
      }),
  })
  .partial()
  .strict()
  .openapi("PutDeveloperProfile", {
    description:
      "Fields sent replace the stored ones (skills as a whole list); fields left out keep their value, or take the default on creation (no skills, capacity 5, available, UTC).",
  });
export type PutDeveloperProfile = z.infer<typeof PutDeveloperProfile>;

export const DeveloperRef = z.object({ userId: z.uuid().openapi({ param: { name: "userId", in: "path" } }) });

export const Developer = z
  .object({
    userId: z.uuid(),
    name: z.string(),
    email: z.string(),
    skills: z.array(Skill),
    capacity: z.number().int(),
    availability: z.enum(AVAILABILITIES),
    timezone: z.string(),
    lastAssignedAt: z.iso.datetime().nullable(),
    openLoad: z.number().int(),
    profileVersion: z.number().int().nullable().openapi({ description: "null until a profile is stored" }),
  })
  .openapi("Developer");
export type Developer = z.infer<typeof Developer>;

export const DeveloperListQuery = ListQuery.extend({
  teamId: z.uuid().optional().openapi({ description: "Members of this team" }),
  availability: z.enum(AVAILABILITIES).optional(),
  categoryId: z.uuid().optional().openapi({ description: "Developers with a skill in this category" }),
});
export type DeveloperListQuery = z.infer<typeof DeveloperListQuery>;
export const DeveloperList = listOf(Developer, "DeveloperList");
