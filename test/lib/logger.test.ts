import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/lib/logger.ts";

function capture(level: Parameters<typeof createLogger>[0] = "debug") {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger(level, (line) => lines.push(JSON.parse(line))) };
}

describe("logger", () => {
  it("writes one JSON object per line with level, message and bound fields", () => {
    const { lines, logger } = capture();
    logger.child({ requestId: "r1" }).info("hello", { status: 200 });
    expect(lines).toEqual([
      { time: expect.any(String), level: "info", msg: "hello", requestId: "r1", status: 200 },
    ]);
  });

  it("drops lines below its level", () => {
    const { lines, logger } = capture("warn");
    logger.info("quiet");
    logger.warn("loud");
    expect(lines.map((line) => line.msg)).toEqual(["loud"]);
  });

  it("masks fields whose names look like secrets", () => {
    const { lines, logger } = capture();
    logger.info("x", {
      password: "p",
      refreshToken: "t",
      authorization: "Bearer b",
      nested: { passwordHash: "h" },
    });
    expect(JSON.stringify(lines)).not.toMatch(/"p"|"t"|Bearer b|"h"/);
  });

  it("never logs the parameters of a failed query, in the message or the stack", () => {
    const { lines, logger } = capture();
    const driverError = Object.assign(
      new Error('duplicate key value violates unique constraint "users_email_lower_key"'),
      {
        code: "23505",
      },
    );
    const queryError = new Error(
      'Failed query: insert into "users" ("email", "password_hash") values ($1, $2)\nparams: ada@example.com,$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      { cause: driverError },
    );
    logger.error("unhandled error", { error: queryError });
    const serialized = JSON.stringify(lines);
    expect(serialized).not.toContain("argon2id");
    expect(serialized).not.toContain("ada@example.com");
    expect(serialized).toContain("Failed query: insert into");
    expect(lines[0]?.error).toMatchObject({ cause: { code: "23505" } });
  });

  it("never logs the arguments of a failed Redis command, which Upstash puts in the message", () => {
    const { lines, logger } = capture();
    const commands = [["publish", "tix:events:team:1", '{"payload":{"title":"private title"}}']];
    const redisError = Object.assign(
      new Error(`ERR Redis is unreachable, command was: ${JSON.stringify(commands)}`),
      { name: "UpstashError" },
    );
    logger.warn("event publish failed; the relay will retry", { error: redisError });
    const serialized = JSON.stringify(lines);
    expect(serialized).not.toContain("private title");
    expect(serialized).not.toContain("tix:events");
    expect(lines[0]?.error).toMatchObject({ name: "UpstashError", message: "ERR Redis is unreachable" });
  });

  describe("by default, on the console", () => {
    afterEach(() => vi.restoreAllMocks());

    // Workers Logs and `wrangler dev --log-level warn` know a line's level only by its console method.
    it("writes each line with the console method of its level", () => {
      const methods = {
        log: vi.spyOn(console, "log").mockImplementation(() => {}),
        warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
        error: vi.spyOn(console, "error").mockImplementation(() => {}),
      };
      const logger = createLogger("debug");
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
      const messages = (spy: (typeof methods)["log"]) =>
        spy.mock.calls.map(([line]) => JSON.parse(String(line)).msg);
      expect(messages(methods.log)).toEqual(["d", "i"]);
      expect(messages(methods.warn)).toEqual(["w"]);
      expect(messages(methods.error)).toEqual(["e"]);
    });
  });
});
