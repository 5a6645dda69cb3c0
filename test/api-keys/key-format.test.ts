import { describe, expect, it } from "vitest";
import {
  API_KEY_PATTERN,
  crc32,
  generateApiKey,
  hashApiKey,
  parseApiKey,
} from "../../src/features/api-keys/key-format.ts";

describe("API key format", () => {
  it("computes CRC-32 as zlib does (the check value of the IEEE polynomial)", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("makes tix_<env>_ keys that scanners can match and that parse back to their public id", async () => {
    const live = await generateApiKey("live");
    const test = await generateApiKey("test");

    expect(live.key).toMatch(API_KEY_PATTERN);
    expect(live.key.startsWith(`tix_live_${live.publicId}_`)).toBe(true);
    expect(test.key.startsWith("tix_test_")).toBe(true);
    expect(parseApiKey(live.key, "live")).toBe(live.publicId);
    expect(live.secretHash).toBe(await hashApiKey(live.key));
    expect(live.secretHash).not.toContain(live.key.slice(22, 40));
  });

  it("refuses another environment's key and any key whose checksum does not hold", async () => {
    const { key } = await generateApiKey("test");
    const flipped = `${key.slice(0, 30)}${key[30] === "a" ? "b" : "a"}${key.slice(31)}`;

    expect(parseApiKey(key, "live")).toBeUndefined();
    expect(parseApiKey(flipped, "test")).toBeUndefined();
    expect(parseApiKey(`${key}x`, "test")).toBeUndefined();
  });

  it("draws every base62 character of the secret (no bias towards a subset)", async () => {
    const seen = new Set<string>();
    for (let index = 0; index < 40; index++) {
      for (const character of (await generateApiKey("test")).key.slice(22, 65)) seen.add(character);
    }
    expect(seen.size).toBe(62);
  });
});
