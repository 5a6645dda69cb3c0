import { z } from "@hono/zod-openapi";
import { DateTimeOutput } from "../../lib/date-time.ts";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { API_KEY_SCOPES } from "./scopes.ts";

export const ApiKeyScope = z
  .enum(API_KEY_SCOPES)
  .openapi("ApiKeyScope", { description: "What a key may be used for; the owner's role still decides." });

export const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(["personal", "service"]).openapi({
      description: "personal: made by its owner; service: made by an admin for another account",
    }),
    prefix: z.string().openapi({
      description: "The key's public part (`tix_<env>_<public id>`), to recognise it; never the secret",
      example: "tix_live_3kTq9ZpWm2Lx",
    }),
    ownerId: z.uuid(),
    createdBy: z.uuid(),
    scopes: z.array(ApiKeyScope),
    expiresAt: z.union([DateTimeOutput, z.null()]),
    lastUsedAt: z.union([DateTimeOutput, z.null()]).openapi({ description: "Updated at most once a minute" }),
    revokedAt: z.union([DateTimeOutput, z.null()]),
    createdAt: DateTimeOutput,
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKey>;

export const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({
    description: "The key itself, shown this once: only its SHA-256 is stored",
    pattern: "^tix_(live|test)_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$",
  }),
}).openapi("CreatedApiKey");

export const CreateApiKey = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "CI ticket sync", pattern: NOT_BLANK }),
    scopes: z.array(ApiKeyScope).min(1).max(API_KEY_SCOPES.length),
    expiresInDays: z
      .union([z.number().int().min(1).max(3650), z.null()])
      .optional()
      .openapi({
        description: "Days until the key stops working (1 to 3650); omitted or null: it never expires",
      }),
    ownerId: z.uuid().optional().openapi({
      description:
        "Admins only: make a service key for another account (an integration's own user). Omitted: your own key",
    }),
  })
  .strict()
  .openapi("CreateApiKey");
export type CreateApiKey = z.infer<typeof CreateApiKey>;

export const ApiKeyRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

/** The keys the caller may see: an admin every key, anyone else their own. */
export const ApiKeyListQuery = ListQuery.extend({
  ownerId: z.uuid().optional().openapi({ description: "Only this account's keys (of those you may see)" }),
});

export const ApiKeyList = listOf(ApiKey, "ApiKeyList");
