import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSigningSecret, signedHeaders } from "../../src/features/webhooks/signing.ts";

const body = JSON.stringify({ id: 42, type: "ticket.created", payload: { title: "Printer on fire" } });

describe("Standard Webhooks signatures (WebCrypto), checked by the standardwebhooks library", () => {
  it("generates whsec_ secrets of 32 random bytes, never twice the same", () => {
    const first = generateSigningSecret();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(first.slice(6))).toHaveLength(32);
    expect(generateSigningSecret()).not.toBe(first);
  });

  it("signs so that the library verifies the message and returns the payload", async () => {
    const secret = generateSigningSecret();
    const headers = await signedHeaders([secret], "evt_42", new Date(), body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("fails verification for a changed body, another id, another secret or a stale timestamp", async () => {
    const secret = generateSigningSecret();
    const headers = await signedHeaders([secret], "evt_42", new Date(), body);
    const receiver = new Webhook(secret);
    expect(() => receiver.verify(body.replace("fire", "ice"), headers)).toThrow();
    expect(() => receiver.verify(body, { ...headers, "webhook-id": "evt_43" })).toThrow();
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow();
    const old = await signedHeaders([secret], "evt_42", new Date(Date.now() - 3600_000), body);
    expect(() => receiver.verify(body, old)).toThrow(/timestamp/i);
  });

  it("carries one signature per secret during a rotation: either secret verifies", async () => {
    const [previous, current] = [generateSigningSecret(), generateSigningSecret()];
    const headers = await signedHeaders([current, previous], "evt_7", new Date(), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
  });
});
