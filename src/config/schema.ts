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

/** A rate-limit policy written as `<requests>/<window seconds>`, e.g. `5/900`. */
const rateLimitPolicy = z
  .string()
  .regex(/^\d+\/\d+$/, { error: "must look like <requests>/<window seconds>, e.g. 5/900" })
  .transform((raw) => {
    const [requests, windowSeconds] = raw.split("/").map(Number) as [number, number];
    return { requests, windowSeconds };
  })
  .refine((policy) => policy.requests >= 1 && policy.windowSeconds >= 1, { error: "must be at least 1/1" });

const DURATION_UNITS_MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;
const PRIORITIES = ["urgent", "high", "medium", "low"] as const;
export type SlaPolicy = Record<
  (typeof PRIORITIES)[number],
  { firstResponseMinutes: number; resolutionMinutes: number }
>;

/**
 * Per-priority SLA targets as `priority=<first response>/<resolution>` pairs, durations in m, h
 * or d: `urgent=30m/4h,high=2h/1d,medium=8h/3d,low=1d/7d`. Every priority must be listed.
 */
const slaPolicy = z.string().transform((raw, ctx): SlaPolicy => {
  const policy: Partial<SlaPolicy> = {};
  for (const entry of raw.split(",").map((part) => part.trim())) {
    const match = /^(urgent|high|medium|low)=(\d+)([mhd])\/(\d+)([mhd])$/.exec(entry);
    if (!match) {
      ctx.addIssue({ code: "custom", message: `"${entry}" must look like high=2h/1d` });
      return z.NEVER;
    }
    const [, priority, first, firstUnit, resolution, resolutionUnit] = match as unknown as [
      string,
      keyof SlaPolicy,
      string,
      keyof typeof DURATION_UNITS_MINUTES,
      string,
      keyof typeof DURATION_UNITS_MINUTES,
    ];
    policy[priority] = {
      firstResponseMinutes: Number(first) * DURATION_UNITS_MINUTES[firstUnit],
      resolutionMinutes: Number(resolution) * DURATION_UNITS_MINUTES[resolutionUnit],
    };
  }
  const missing = PRIORITIES.filter((priority) => !policy[priority]);
  if (missing.length > 0) {
    ctx.addIssue({ code: "custom", message: `must list every priority; missing ${missing.join(", ")}` });
    return z.NEVER;
  }
  return policy as SlaPolicy;
});

export const ConfigSchema = z.object({
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
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  EMBEDDED_GATEWAY: booleanFlag.optional(),

  SIGNUP_ENABLED: booleanFlag.default(true),
  TRUST_PROXY: booleanFlag.default(false),
  JWT_ISSUER: z.string().min(1).default("tixgenius"),
  JWT_AUDIENCE: z.string().min(1).default("tixgenius-api"),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_IDLE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(7 * 24 * 3600),
  REFRESH_ABSOLUTE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 24 * 3600),
  /** How long the token just rotated is answered again, with the same successor (0: never). */
  REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),

  RATE_LIMIT_LOGIN: rateLimitPolicy.prefault("5/900"),
  RATE_LIMIT_REGISTER: rateLimitPolicy.prefault("10/3600"),
  RATE_LIMIT_REFRESH: rateLimitPolicy.prefault("30/60"),
  RATE_LIMIT_READ: rateLimitPolicy.prefault("600/60"),
  RATE_LIMIT_WRITE: rateLimitPolicy.prefault("120/60"),
  RATE_LIMIT_ANONYMOUS: rateLimitPolicy.prefault("60/60"),
  RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(5000).default(300),

  /** Unset: `hibp` in staging and production, `off` elsewhere (src/adapters/breached-passwords.ts). */
  PASSWORD_BREACH_CHECK: z.enum(["off", "hibp"]).optional(),
  PASSWORD_BREACH_CHECK_URL: z.url({ protocol: /^https?$/ }).default("https://api.pwnedpasswords.com/range/"),
  PASSWORD_BREACH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1000),

  SLA_POLICY: slaPolicy.prefault("urgent=30m/4h,high=2h/1d,medium=8h/3d,low=1d/7d"),
  REOPEN_WINDOW_DAYS: z.coerce.number().int().min(0).max(365).default(14),

  EVENTS_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(72),
  NOTIFICATIONS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  NOTIFICATIONS_DUE_SOON_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  EVENT_RELAY_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  EVENT_STREAM_MAX_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  EVENT_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(60).default(15),
  EVENT_RECHECK_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  EVENT_STREAM_TOKEN_TTL_SECONDS: z.coerce.number().int().min(5).max(600).default(60),

  /**
   * Mail (src/adapters/mail/). Node: SMTP_URL (smtp:// or smtps://); unset in development, a
   * local catcher (maildev) starts with the dev server. Workers: the Resend HTTP API with
   * MAIL_API_KEY; MAIL_API_URL is overridable (tests point it at a local capture server).
   */
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
  MAIL_API_KEY: z.string().min(1).optional(),
  MAIL_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.resend.com/emails"),
  MAIL_FROM: z.string().min(3).max(320).default("TixGenius <no-reply@tixgenius.localhost>"),
  /** The frontend every mailed link points at: `${APP_URL}/reset-password?token=…` and so on. */
  APP_URL: z.url({ protocol: /^https?$/ }).default("http://localhost:5173"),
  EMAIL_VERIFICATION: z.enum(["off", "optional", "required"]).default("off"),
  INVITATION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(72),
  RATE_LIMIT_PASSWORD_RESET: rateLimitPolicy.prefault("10/900"),
  RATE_LIMIT_MAIL_PER_ADDRESS: rateLimitPolicy.prefault("3/900"),
  /** Lets webhooks reach loopback and private addresses (a receiver on this machine); development and test only. */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanFlag.default(false),
  WEBHOOK_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** How long the previous signing secret keeps signing after a rotation. */
  WEBHOOK_SECRET_OVERLAP_HOURS: z.coerce.number().int().min(0).max(168).default(24),
  /** An endpoint failing every attempt for this long is disabled. */
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().int().min(1).max(30).default(5),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(10_000),

  /** Node: how often the job loop looks for due jobs when kickJobs() did not wake it. */
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Node: jobs one instance runs at once. */
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /** Done jobs are deleted after this many days. */
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  /** Failed jobs are kept longer: they are what someone investigates. */
  JOB_FAILED_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * Attachments (src/features/attachments). On Node: S3 when S3_BUCKET is set, else files under
   * DATA_DIR/objects; on Workers the R2 binding ATTACHMENTS.
   */
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_BUCKET: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default("auto"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** `endpoint/bucket/key` URLs (MinIO and most self-hosted stores) instead of `bucket.endpoint/key`. */
  S3_PATH_STYLE: booleanFlag.default(false),
  /** Where the API's own signed transfer URLs point; unset, the origin of the request that asked. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 1024 ** 3)
    .default(25 * 1024 * 1024),
  ATTACHMENT_MAX_TICKET_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(250 * 1024 * 1024),
  ATTACHMENT_MAX_PER_TICKET: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Sniffed types accepted; anything the sniffer does not recognise is application/octet-stream. */
  ATTACHMENT_ALLOWED_TYPES: commaList
    .pipe(z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, { error: "must be a media type" })))
    .prefault(
      "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,application/zip,application/gzip,application/octet-stream",
    ),
  ATTACHMENT_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** Uploads not completed within this long are removed by the maintenance pass. */
  ATTACHMENT_PENDING_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(180),

  /** Bearer token of `GET /metrics` (Node); unset, the route does not exist. */
  METRICS_TOKEN: z.string().min(1).optional(),
});

export type Config = z.output<typeof ConfigSchema>;

/**
 * Rules across keys, checked on the raw input so that they are reported together with every
 * per-key problem (zod skips refinements once a field fails). Deployed environments fail closed:
 * no embedded database, no dev gateway, no dev secret.
 */
export function crossKeyProblems(raw: Readonly<Record<string, unknown>>): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const idle = Number(raw.REFRESH_IDLE_TTL_SECONDS ?? 7 * 24 * 3600);
  const absolute = Number(raw.REFRESH_ABSOLUTE_TTL_SECONDS ?? 30 * 24 * 3600);
  if (absolute < idle) {
    problems.push({
      key: "REFRESH_ABSOLUTE_TTL_SECONDS",
      message: "must not be shorter than REFRESH_IDLE_TTL_SECONDS",
    });
  }
  // S3 is all or nothing: half a configuration would silently fall back on the disk store.
  const s3Keys = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"];
  if (s3Keys.some((key) => raw[key])) {
    for (const key of s3Keys.filter((key) => !raw[key]))
      problems.push({ key, message: "is required when any S3_* setting is set" });
  }
  const environment = raw.NODE_ENV;
  if (environment !== "staging" && environment !== "production") return problems;
  for (const key of ["DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"]) {
    if (!raw[key]) problems.push({ key, message: `is required when NODE_ENV=${environment}` });
  }
  // The REST token travels in every request's header: never in clear text to a deployed Redis.
  if (typeof raw.UPSTASH_REDIS_REST_URL === "string" && raw.UPSTASH_REDIS_REST_URL.startsWith("http:"))
    problems.push({
      key: "UPSTASH_REDIS_REST_URL",
      message: `must be https:// when NODE_ENV=${environment}`,
    });
  if (typeof raw.PASSWORD_BREACH_CHECK_URL === "string" && raw.PASSWORD_BREACH_CHECK_URL.startsWith("http:"))
    problems.push({
      key: "PASSWORD_BREACH_CHECK_URL",
      message: `must be https:// when NODE_ENV=${environment}`,
    });
  for (const key of ["APP_URL", "MAIL_API_URL"]) {
    if (typeof raw[key] === "string" && raw[key].startsWith("http:"))
      problems.push({ key, message: `must be https:// when NODE_ENV=${environment}` });
  }
  // Account mail (invitations, password resets) must leave a deployed instance, and its links
  // must open the real frontend: no catcher, no localhost there.
  if (!raw.SMTP_URL && !raw.MAIL_API_KEY)
    problems.push({ key: "SMTP_URL", message: `or MAIL_API_KEY is required when NODE_ENV=${environment}` });
  if (!raw.APP_URL) problems.push({ key: "APP_URL", message: `is required when NODE_ENV=${environment}` });
  if (raw.JWT_SECRET === DEVELOPMENT_JWT_SECRET)
    problems.push({ key: "JWT_SECRET", message: "is the development secret" });
  if (raw.EMBEDDED_GATEWAY === "true")
    problems.push({ key: "EMBEDDED_GATEWAY", message: "is for development only" });
  if (raw.WEBHOOK_ALLOW_PRIVATE_TARGETS === "true")
    problems.push({ key: "WEBHOOK_ALLOW_PRIVATE_TARGETS", message: "is for development and test only" });
  if (typeof raw.S3_ENDPOINT === "string" && raw.S3_ENDPOINT.startsWith("http:"))
    problems.push({ key: "S3_ENDPOINT", message: `must be https:// when NODE_ENV=${environment}` });
  if (typeof raw.PUBLIC_URL === "string" && raw.PUBLIC_URL.startsWith("http:"))
    problems.push({ key: "PUBLIC_URL", message: `must be https:// when NODE_ENV=${environment}` });
  if (typeof raw.METRICS_TOKEN === "string" && raw.METRICS_TOKEN.length < 32)
    problems.push({
      key: "METRICS_TOKEN",
      message: `must be at least 32 characters when NODE_ENV=${environment}`,
    });
  return problems;
}
