import { z } from "@hono/zod-openapi";
import { eventTypes } from "../../db/schema.ts";
import { dateTimeInput } from "../../lib/date-time.ts";
import { ListQuery, listOf } from "../../lib/list.ts";

const EventTypeName = z.enum(eventTypes);
/**
 * http(s), a DNS name (its last label starting with a letter, so never read as an address) or a
 * dotted IPv4 address, an optional port, a plain path: no credentials, query or fragment, nothing
 * a URL parser could read two ways. IPv6 literals are not taken.
 */
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const LABEL = "[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*";
const PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})";
const WEBHOOK_URL_PATTERN = `^https?://(?:(?:${LABEL}\\.)*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|(?:${OCTET}\\.){3}${OCTET})(?::${PORT})?(?:/[A-Za-z0-9._~/-]*)?$`;
const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .regex(new RegExp(WEBHOOK_URL_PATTERN))
  .openapi({
    example: "https://hooks.example.com/tixgenius",
    format: "uri",
    pattern: WEBHOOK_URL_PATTERN,
    description:
      "https:// only in staging and production (422 otherwise); a private, loopback, link-local or metadata address or an internal name is refused (422 `webhook_target_refused`)",
  });
const EventTypeList = z
  .array(EventTypeName)
  .min(1)
  .max(eventTypes.length)
  .openapi({ description: "The catalogue types to send (docs/EVENTS.md); null: every type" });

export const WebhookEndpoint = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.union([z.array(EventTypeName), z.null()]),
    teamId: z.union([z.uuid(), z.null()]).openapi({ description: "Only this team's tickets' events" }),
    enabled: z.boolean(),
    includeInternalComments: z.boolean(),
    disabledReason: z
      .union([z.string(), z.null()])
      .openapi({ description: "Why the server disabled it (410 Gone, failing for days)" }),
    failingSince: z.union([z.iso.datetime(), z.null()]),
    previousSecretExpiresAt: z
      .union([z.iso.datetime(), z.null()])
      .openapi({ description: "Until then deliveries carry a signature with the previous secret too" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi("WebhookEndpoint");
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().openapi({ description: "The signing secret (`whsec_…`); shown only now" }),
}).openapi("WebhookEndpointWithSecret");

export const WebhookRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
export const WebhookDeliveryRef = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
  deliveryId: z.uuid().openapi({ param: { name: "deliveryId", in: "path" } }),
});

export const CreateWebhookEndpoint = z
  .object({
    url: WebhookUrl,
    description: z.string().trim().max(500).default(""),
    eventTypes: z.union([EventTypeList, z.null()]).default(null),
    teamId: z.union([z.uuid(), z.null()]).default(null).openapi({ description: "Required for managers" }),
    enabled: z.boolean().default(true),
    includeInternalComments: z.boolean().default(false).openapi({ description: "Admins only" }),
  })
  .strict()
  .openapi("CreateWebhookEndpoint");
export type CreateWebhookEndpoint = z.infer<typeof CreateWebhookEndpoint>;

/** JSON Merge Patch: absent = unchanged. */
export const UpdateWebhookEndpoint = z
  .object({
    url: WebhookUrl,
    description: z.string().trim().max(500),
    eventTypes: z.union([EventTypeList, z.null()]),
    teamId: z.union([z.uuid(), z.null()]),
    enabled: z.boolean(),
    includeInternalComments: z.boolean(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { error: "must change at least one field" })
  .openapi("UpdateWebhookEndpoint", { minProperties: 1 });
export type UpdateWebhookEndpoint = z.infer<typeof UpdateWebhookEndpoint>;

export const WebhookListQuery = ListQuery;
export type WebhookListQuery = z.infer<typeof WebhookListQuery>;
export const WebhookEndpointList = listOf(WebhookEndpoint, "WebhookEndpointList");

export const RotatedSecret = z
  .object({
    secret: z.string().openapi({ description: "The new signing secret; shown only now" }),
    previousSecretExpiresAt: z.union([z.iso.datetime(), z.null()]),
  })
  .openapi("RotatedWebhookSecret");

const DeliveryStatus = z.enum(["pending", "succeeded", "failed"]);

export const WebhookDelivery = z
  .object({
    id: z.uuid(),
    endpointId: z.uuid(),
    eventId: z.union([z.number().int(), z.null()]).openapi({ description: "null for a test ping" }),
    messageId: z.string().openapi({ description: "The `webhook-id` header: the same on every retry" }),
    eventType: z.string(),
    status: DeliveryStatus,
    attempts: z.number().int(),
    lastStatusCode: z.union([z.number().int(), z.null()]),
    lastError: z.union([z.string(), z.null()]),
    lastAttemptAt: z.union([z.iso.datetime(), z.null()]),
    createdAt: z.iso.datetime(),
  })
  .openapi("WebhookDelivery");
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookAttempt = z
  .object({
    attemptedAt: z.iso.datetime(),
    statusCode: z.union([z.number().int(), z.null()]),
    latencyMs: z.number().int(),
    error: z.union([z.string(), z.null()]),
    responseBody: z.union([z.string(), z.null()]).openapi({ description: "The first 1 KiB of the answer" }),
  })
  .openapi("WebhookAttempt");

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  payload: z.record(z.string(), z.unknown()),
  attemptLog: z.array(WebhookAttempt).openapi({ description: "Every attempt, oldest first (the last 100)" }),
}).openapi("WebhookDeliveryDetail");

export const WebhookDeliveryListQuery = ListQuery.extend({
  status: DeliveryStatus.optional(),
  eventType: z.union([EventTypeName, z.literal("webhook.ping")]).optional(),
  since: dateTimeInput("Deliveries made at or after this instant").optional(),
});
export type WebhookDeliveryListQuery = z.infer<typeof WebhookDeliveryListQuery>;
export const WebhookDeliveryList = listOf(WebhookDelivery, "WebhookDeliveryList");

export const RedeliverFailed = z
  .object({
    since: dateTimeInput("Failed deliveries made at or after this instant"),
  })
  .strict()
  .openapi("RedeliverFailedWebhooks");
export const RedeliveredCount = z.object({ redelivered: z.number().int() }).openapi("RedeliveredWebhooks");
