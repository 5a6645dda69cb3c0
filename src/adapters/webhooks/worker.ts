import type { WebhookTransport } from "../../deps.ts";
import { createFetchTransport } from "./fetch-transport.ts";

/**
 * Workers' webhook transport: the platform's fetch, which resolves names itself and offers no
 * hook to see or pin the address. What can be checked is: internal host names and address
 * literals (refused before any request), redirects (never followed), the timeout and the size
 * cap. A name that resolves to a private address is left to Cloudflare's egress, which does not
 * route to private, loopback or link-local networks from a Worker; there is no DNS rebinding into
 * this deployment's own network because a Worker has none. docs/WEBHOOKS.md says so.
 */
export function createWorkerWebhookTransport(options: { allowPrivateTargets: boolean }): WebhookTransport {
  return createFetchTransport({ allowPrivateTargets: options.allowPrivateTargets });
}
