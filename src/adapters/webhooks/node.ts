import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent } from "undici";
import type { WebhookTransport } from "../../deps.ts";
import { refusedAddressReason } from "../../features/webhooks/addresses.ts";
import { createFetchTransport, WebhookTargetRefused } from "./fetch-transport.ts";

/**
 * Node's webhook transport: undici with a `lookup` that resolves the name once, refuses it if ANY
 * address it resolves to is refused (so an attacker's name cannot mix a public and a private
 * answer), and hands the socket exactly the address it checked. The connection is pinned to that
 * address: a DNS answer that changes between the check and the connect (rebinding) is never used.
 */
export function createNodeWebhookTransport(options: { allowPrivateTargets: boolean }): WebhookTransport {
  // A kept-alive socket is still connected to the address that was checked when it opened.
  const dispatcher = new Agent({ connect: { lookup: checkedLookup(options.allowPrivateTargets) } });
  return createFetchTransport({
    allowPrivateTargets: options.allowPrivateTargets,
    fetchInit: { dispatcher },
  });
}

export function checkedLookup(allowPrivateTargets: boolean): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { all: true, family: lookupOptions.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const resolved = addresses as LookupAddress[];
      if (!allowPrivateTargets) {
        for (const { address } of resolved) {
          const reason = refusedAddressReason(address);
          if (reason) return callback(new WebhookTargetRefused(`${hostname} (${address})`, reason), "", 0);
        }
      }
      const [first] = resolved;
      if (!first) return callback(new Error(`${hostname} resolved to no address`), "", 0);
      if (lookupOptions.all) return callback(null, [first] as never, first.family);
      return callback(null, first.address, first.family);
    });
  };
}
