import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/parse.ts";
import { DEVELOPMENT_JWT_SECRET } from "../../src/config/schema.ts";

const strongSecret = "s".repeat(48);
/** What a deployed config needs for mail: a transport and the frontend its links open. */
const MAIL = { SMTP_URL: "smtps://user:pw@smtp.example:465", APP_URL: "https://app.example" };

function problemsOf(source: Record<string, string>): string[] {
  try {
    parseConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("parseConfig", () => {
  it("applies documented defaults", () => {
    const config = parseConfig({ JWT_SECRET: strongSecret });
    expect(config).toMatchObject({
      NODE_ENV: "development",
      PORT: 8787,
      DATA_DIR: ".data",
      LOG_LEVEL: "info",
      CORS_ORIGINS: [],
      MAX_BODY_BYTES: 1_048_576,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ JWT_SECRET: strongSecret, PORT: "", DATABASE_URL: "" }).PORT).toBe(8787);
  });

  it("splits and validates CORS origins", () => {
    const config = parseConfig({
      JWT_SECRET: strongSecret,
      CORS_ORIGINS: " https://a.example ,http://b.test:5173",
    });
    expect(config.CORS_ORIGINS).toEqual(["https://a.example", "http://b.test:5173"]);
    expect(problemsOf({ JWT_SECRET: strongSecret, CORS_ORIGINS: "not a url" })[0]).toMatch(/^CORS_ORIGINS/);
  });

  it("names every bad key in one error", () => {
    const problems = problemsOf({
      PORT: "99999",
      DATABASE_URL: "mysql://x",
      LOG_LEVEL: "loud",
      JWT_SECRET: "short",
    });
    const keys = problems.map((problem) => problem.split(":")[0]).sort();
    expect(keys).toEqual(["DATABASE_URL", "JWT_SECRET", "LOG_LEVEL", "PORT"]);
  });

  it("requires a JWT secret of at least 256 bits", () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^JWT_SECRET/)]);
    expect(problemsOf({ JWT_SECRET: "x".repeat(31) })).toEqual([
      expect.stringMatching(/^JWT_SECRET.*32 bytes/),
    ]);
  });

  it.each(["staging", "production"])(
    "fails closed in %s without real services or with the dev secret",
    (env) => {
      const problems = problemsOf({
        NODE_ENV: env,
        JWT_SECRET: DEVELOPMENT_JWT_SECRET,
        EMBEDDED_GATEWAY: "true",
      });
      const keys = problems.map((problem) => problem.split(":")[0]).sort();
      expect(keys).toEqual([
        "APP_URL",
        "DATABASE_URL",
        "EMBEDDED_GATEWAY",
        "JWT_SECRET",
        "SMTP_URL",
        "UPSTASH_REDIS_REST_TOKEN",
        "UPSTASH_REDIS_REST_URL",
      ]);
    },
  );

  it.each(["staging", "production"])(
    "refuses a plain-http Upstash URL in %s (its token would travel in clear)",
    (env) => {
      const problems = problemsOf({
        NODE_ENV: env,
        JWT_SECRET: strongSecret,
        DATABASE_URL: "postgres://user:pw@db.example:5432/tix",
        UPSTASH_REDIS_REST_URL: "http://eu1-x.upstash.io",
        UPSTASH_REDIS_REST_TOKEN: "token",
        ...MAIL,
      });
      expect(problems).toEqual([expect.stringMatching(/^UPSTASH_REDIS_REST_URL: must be https:\/\//)]);
    },
  );

  it("accepts a complete production configuration", () => {
    const config = parseConfig({
      NODE_ENV: "production",
      JWT_SECRET: strongSecret,
      DATABASE_URL: "postgres://user:pw@db.example:5432/tix",
      UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "token",
      ...MAIL,
    });
    expect(config.NODE_ENV).toBe("production");
  });

  it.each(["staging", "production"])(
    "needs a mail transport and the real frontend in %s, over https",
    (env) => {
      const deployed = {
        NODE_ENV: env,
        JWT_SECRET: strongSecret,
        DATABASE_URL: "postgres://user:pw@db.example:5432/tix",
        UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io",
        UPSTASH_REDIS_REST_TOKEN: "token",
      };
      const keysOf = (raw: Record<string, string>) => problemsOf(raw).map((problem) => problem.split(":")[0]);
      expect(keysOf(deployed).sort()).toEqual(["APP_URL", "SMTP_URL"]);
      expect(keysOf({ ...deployed, APP_URL: "http://app.example", MAIL_API_KEY: "re_x" })).toEqual([
        "APP_URL",
      ]);
      expect(
        keysOf({
          ...deployed,
          ...MAIL,
          SMTP_URL: "",
          MAIL_API_KEY: "re_x",
          MAIL_API_URL: "http://mail.example",
        }),
      ).toEqual(["MAIL_API_URL"]);
      expect(() =>
        parseConfig({ ...deployed, SMTP_URL: "http://mail.example", APP_URL: MAIL.APP_URL }),
      ).toThrow(/SMTP_URL: must be an smtp/);
    },
  );
  it("takes the S3 settings all together or not at all, and only over https when deployed", () => {
    const half = problemsOf({ JWT_SECRET: strongSecret, S3_BUCKET: "files" });
    expect(half.map((problem) => problem.split(":")[0]).sort()).toEqual([
      "S3_ACCESS_KEY_ID",
      "S3_ENDPOINT",
      "S3_SECRET_ACCESS_KEY",
    ]);
    const clearText = problemsOf({
      NODE_ENV: "production",
      JWT_SECRET: strongSecret,
      DATABASE_URL: "postgres://user:pw@db.example:5432/tix",
      UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "token",
      ...MAIL,
      S3_ENDPOINT: "http://minio.internal:9000",
      S3_BUCKET: "files",
      S3_ACCESS_KEY_ID: "id",
      S3_SECRET_ACCESS_KEY: "secret",
    });
    expect(clearText).toEqual([expect.stringMatching(/^S3_ENDPOINT: must be https:\/\//)]);
  });
});
