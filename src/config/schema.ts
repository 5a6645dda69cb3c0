import { z } from "zod";

/** The development-only secret committed in `.env.development`; refused everywhere else. */
export const DEVELOPMENT_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef0123456789";

const RUNTIME_ENVIRONMENTS = ["development", "test", "staging", "production"] as const;
const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

const commaList = z
  .string()
  .default("")
  .transform((raw) =>
    raw
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const booleanFlag = z.enum(["true", "false"]).transform((flag) => flag === "true");

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(RUNTIME_ENVIRONMENTS).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(8787),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" })
      .optional(),
    DATA_DIR: z.string().min(1).default(".data"),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    JWT_SECRET: z
      .string({ error: "is required" })
      .refine((secret) => new TextEncoder().encode(secret).length >= 32, {
        error: "must be at least 32 bytes (256 bits)",
      }),
    CORS_ORIGINS: commaList.pipe(z.array(z.union([z.literal("*"), z.url({ protocol: /^https?$/ })]))),
    LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(10 * 1024 * 1024)
      .default(1024 * 1024),
    READY_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
    EMBEDDED_GATEWAY: booleanFlag.optional(),
  })
  .superRefine((config, ctx) => {
    const deployed = config.NODE_ENV === "staging" || config.NODE_ENV === "production";
    if (!deployed) return;
    // Deployed environments fail closed: no embedded database, no dev gateway, no dev secret.
    for (const key of ["DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] as const) {
      if (!config[key]) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is required when NODE_ENV=${config.NODE_ENV}`,
        });
      }
    }
    if (config.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "is the development secret" });
    }
    if (config.EMBEDDED_GATEWAY) {
      ctx.addIssue({ code: "custom", path: ["EMBEDDED_GATEWAY"], message: "is for development only" });
    }
  });

export type Config = z.output<typeof ConfigSchema>;
