/**
 * The SSRF guard's rules, pure so both runtimes and the endpoint validation share them: which
 * addresses a webhook may never reach (loopback, private, link-local, unique-local, multicast,
 * CGNAT, cloud metadata, documentation and reserved ranges), IPv4 and IPv6 alike, IPv4 embedded
 * in IPv6 (mapped, compatible, NAT64, 6to4) judged as the IPv4 it carries.
 */

type Range = readonly [network: bigint, prefix: number, why: string];

const V4_RANGES: readonly Range[] = [
  [v4("0.0.0.0"), 8, "this network"],
  [v4("10.0.0.0"), 8, "private"],
  [v4("100.64.0.0"), 10, "carrier-grade NAT (Alibaba's metadata service is 100.100.100.200)"],
  [v4("127.0.0.0"), 8, "loopback"],
  [v4("169.254.0.0"), 16, "link-local (cloud metadata 169.254.169.254)"],
  [v4("172.16.0.0"), 12, "private"],
  [v4("192.0.0.0"), 24, "IETF protocol assignments"],
  [v4("192.0.2.0"), 24, "documentation"],
  [v4("192.88.99.0"), 24, "6to4 relay anycast"],
  [v4("192.168.0.0"), 16, "private"],
  [v4("198.18.0.0"), 15, "benchmarking"],
  [v4("198.51.100.0"), 24, "documentation"],
  [v4("203.0.113.0"), 24, "documentation"],
  [v4("224.0.0.0"), 4, "multicast"],
  [v4("240.0.0.0"), 4, "reserved (and broadcast)"],
];

const V6_RANGES: readonly Range[] = [
  [0n, 128, "unspecified"],
  [1n, 128, "loopback"],
  [v6("100::"), 64, "discard-only"],
  [v6("2001::"), 23, "IETF protocol assignments"],
  [v6("2001:db8::"), 32, "documentation"],
  [v6("fc00::"), 7, "unique-local (AWS metadata fd00:ec2::254)"],
  [v6("fe80::"), 10, "link-local"],
  [v6("fec0::"), 10, "site-local"],
  [v6("ff00::"), 8, "multicast"],
];

/** Hostnames that name this machine or a cloud's internal services whatever DNS says. */
const INTERNAL_NAMES = [/^localhost$/, /\.localhost$/, /\.local$/, /\.internal$/, /^metadata$/];

/**
 * Why the address may not be a webhook target, or null when it is a public unicast address.
 * Anything that is not a well-formed IP address is refused too.
 */
export function refusedAddressReason(address: string): string | null {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (isIpv4(bare)) return reasonInRanges(v4(bare), 32, V4_RANGES);
  const value = parseV6(bare);
  if (value === null) return "not an IP address";
  const embedded = embeddedV4(value);
  if (embedded !== null) {
    const reason = reasonInRanges(embedded, 32, V4_RANGES);
    return reason ? `${reason} (IPv4 inside IPv6)` : null;
  }
  return reasonInRanges(value, 128, V6_RANGES);
}

/** Why a URL's host may not be a target before any DNS: an internal name or a refused literal. */
export function refusedHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (INTERNAL_NAMES.some((pattern) => pattern.test(host))) return "an internal host name";
  if (isIpLiteral(host)) return refusedAddressReason(host);
  return null;
}

export function isIpLiteral(hostname: string): boolean {
  const bare = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  return isIpv4(bare) || parseV6(bare) !== null;
}

function reasonInRanges(value: bigint, bits: number, ranges: readonly Range[]): string | null {
  for (const [network, prefix, why] of ranges) {
    const shift = BigInt(bits - prefix);
    if (value >> shift === network >> shift) return why;
  }
  return null;
}

/** ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::/96 (NAT64), 2002:abcd:ef01::/16 (6to4). */
function embeddedV4(value: bigint): bigint | null {
  const low32 = value & 0xffffffffn;
  const high96 = value >> 32n;
  if (high96 === 0xffffn || (high96 === 0n && value > 0xffffn)) return low32;
  if (high96 === v6("64:ff9b::") >> 32n) return low32;
  if (value >> 112n === 0x2002n) return (value >> 80n) & 0xffffffffn;
  return null;
}

const V4_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv4(text: string): boolean {
  return V4_PATTERN.test(text);
}

function v4(text: string): bigint {
  return text.split(".").reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function v6(text: string): bigint {
  const value = parseV6(text);
  if (value === null) throw new Error(`not an IPv6 address: ${text}`);
  return value;
}

/** An IPv6 address (with an optional dotted IPv4 tail, no zone id) as a 128-bit integer, or null. */
function parseV6(text: string): bigint | null {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(":")) return null;
  let head = text;
  const groups: number[] = [];
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const dotted = text.slice(lastColon + 1);
    if (!isIpv4(dotted)) return null;
    const value = Number(v4(dotted));
    tail = [value >>> 16, value & 0xffff];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const left = parse(halves[0] ?? "");
  const right = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if ([...left, ...right].some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return null;
  const given = left.length + right.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  groups.push(...left.map((group) => Number.parseInt(group, 16)));
  for (let fill = 0; fill < 8 - given; fill++) groups.push(0);
  groups.push(...right.map((group) => Number.parseInt(group, 16)), ...tail);
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}
