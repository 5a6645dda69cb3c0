import { describe, expect, it } from "vitest";
import { checkedLookup } from "../../src/adapters/webhooks/node.ts";
import { refusedAddressReason, refusedHostReason } from "../../src/features/webhooks/addresses.ts";

/** Every range the guard refuses, with an address inside it; IPv4 inside IPv6 judged as IPv4. */
const REFUSED: readonly [address: string, why: RegExp][] = [
  ["0.0.0.0", /this network/],
  ["127.0.0.1", /loopback/],
  ["127.255.255.254", /loopback/],
  ["10.0.0.1", /private/],
  ["172.16.0.1", /private/],
  ["172.31.255.255", /private/],
  ["192.168.1.1", /private/],
  ["169.254.169.254", /link-local/],
  ["169.254.1.1", /link-local/],
  ["100.64.0.1", /carrier-grade NAT/],
  ["100.100.100.200", /carrier-grade NAT/],
  ["192.0.0.170", /IETF/],
  ["192.0.2.1", /documentation/],
  ["198.18.0.1", /benchmarking/],
  ["224.0.0.1", /multicast/],
  ["239.255.255.250", /multicast/],
  ["240.0.0.1", /reserved/],
  ["255.255.255.255", /reserved/],
  ["::", /unspecified/],
  ["::1", /loopback/],
  ["0:0:0:0:0:0:0:1", /loopback/],
  ["fe80::1", /link-local/],
  ["fc00::1", /unique-local/],
  ["fd00:ec2::254", /unique-local/],
  ["ff02::1", /multicast/],
  ["fec0::1", /site-local/],
  ["2001:db8::1", /documentation/],
  ["100::1", /discard/],
  ["::ffff:127.0.0.1", /loopback.*IPv4 inside IPv6/],
  ["::ffff:7f00:1", /loopback.*IPv4 inside IPv6/],
  ["::ffff:169.254.169.254", /link-local.*IPv4 inside IPv6/],
  ["::ffff:10.1.2.3", /private/],
  ["::127.0.0.1", /loopback/],
  ["64:ff9b::a9fe:a9fe", /link-local/],
  ["2002:c0a8:0101::1", /private/],
  ["[::1]", /loopback/],
  ["localhost", /not an IP address/],
];

const ALLOWED = [
  "93.184.216.34",
  "8.8.8.8",
  "1.1.1.1",
  "2606:4700:4700::1111",
  "::ffff:8.8.8.8",
  "2002:0808:0808::1",
];

describe("the SSRF guard's address table", () => {
  it("refuses every address of the table, each for its reason", () => {
    for (const [address, why] of REFUSED) expect(refusedAddressReason(address), address).toMatch(why);
  });

  it.each(ALLOWED)("allows the public address %s", (address) => {
    expect(refusedAddressReason(address)).toBeNull();
  });

  it.each([
    ["localhost", /internal host name/],
    ["api.localhost", /internal host name/],
    ["printer.local", /internal host name/],
    ["metadata.google.internal", /internal host name/],
    ["127.0.0.1", /loopback/],
    ["[::ffff:169.254.169.254]", /link-local/],
    ["[fd00::1]", /unique-local/],
  ])("refuses the URL host %s before any DNS", (host, why) => {
    expect(refusedHostReason(host)).toMatch(why);
  });

  it("leaves public names to the lookup", () => {
    expect(refusedHostReason("hooks.example.com")).toBeNull();
  });

  it("normalises what the URL parser normalises: decimal, hex and short IPv4 forms are loopback too", () => {
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://[::ffff:7f00:1]/"])
      expect(refusedHostReason(new URL(url).hostname)).toMatch(/loopback/);
  });
});

describe("the Node transport's lookup (pinned to the address it checked)", () => {
  const lookup = (host: string, allowPrivate = false) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      checkedLookup(allowPrivate)(host, {}, (error, address) => resolve({ error, address })),
    );

  it("refuses a name that resolves to loopback, naming the address", async () => {
    const { error } = await lookup("localhost");
    expect(error?.name).toBe("WebhookTargetRefused");
    expect(error?.message).toMatch(/localhost \((127\.0\.0\.1|::1)\).*loopback/);
  });

  it("answers the checked address when private targets are allowed (development and test)", async () => {
    const { error, address } = await lookup("localhost", true);
    expect(error).toBeNull();
    expect(["127.0.0.1", "::1"]).toContain(address);
  });
});
