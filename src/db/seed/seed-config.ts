import { z } from "zod";
import { ConfigSchema } from "../../config/schema.ts";
import { NewPassword } from "../../features/auth/password-policy.ts";

/** Development-only defaults, documented in the README; deployed environments must set both. */
export const DEVELOPMENT_ADMIN = { email: "admin@tixgenius.local", password: "tixgenius-dev-admin" } as const;

export const SeedConfigSchema = z
  .object({
    NODE_ENV: ConfigSchema.shape.NODE_ENV,
    DATABASE_URL: ConfigSchema.shape.DATABASE_URL,
    DATA_DIR: ConfigSchema.shape.DATA_DIR,
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: NewPassword.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV !== "staging" && config.NODE_ENV !== "production") return;
    for (const key of ["ADMIN_EMAIL", "ADMIN_PASSWORD"] as const) {
      if (!config[key])
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is required when NODE_ENV=${config.NODE_ENV}`,
        });
    }
  })
  .transform((config) => ({
    ...config,
    ADMIN_EMAIL: config.ADMIN_EMAIL ?? DEVELOPMENT_ADMIN.email,
    ADMIN_PASSWORD: config.ADMIN_PASSWORD ?? DEVELOPMENT_ADMIN.password,
  }));
