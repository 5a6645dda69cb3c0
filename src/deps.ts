import type { Redis } from "@upstash/redis";
import type { Context } from "hono";
import type { Config } from "./config/schema.ts";
import type { Database } from "./db/database.ts";
import type { Logger } from "./lib/logger.ts";
import type { Metrics } from "./lib/metrics/metrics.ts";
import type { MetricsExposition } from "./lib/metrics/prometheus-metrics.ts";

export interface Clock {
  now(): Date;
}

/** argon2id behind one port: native on Node, WASM on Workers; both read and write PHC strings. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(phcHash: string, password: string): Promise<boolean>;
}

/**
 * Whether a password appears in known data breaches: true or false when the source answered,
 * undefined when it is off or could not answer in time (the local list then decides alone).
 */
export interface BreachedPasswords {
  isBreached(password: string): Promise<boolean | undefined>;
}

/** One rendered message; `from` is the adapter's (MAIL_FROM). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries of one message (the job id): services that support it send once. */
  idempotencyKey?: string;
}

/**
 * Hands a message to the mail service: SMTP on Node, an HTTP mail API on Workers. Throws when it
 * was not accepted; `MailRefusedError` (src/adapters/mail/errors.ts) marks a refusal retrying
 * cannot fix (a malformed address), anything else is worth another attempt later.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** One webhook POST as the transport answers it: the status and the first bytes of the body. */
export interface WebhookResponse {
  status: number;
  retryAfter: string | null;
  /** At most `maxBodyBytes` of the answer; the rest is never read. */
  body: string;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxBodyBytes: number;
}

/**
 * POSTs a signed webhook to a public address only, never following redirects. Throws
 * `WebhookTargetRefused` when the host is or resolves to an address the SSRF guard refuses, and
 * any other error when the receiver could not be reached in time. On Node the connection is
 * pinned to the address that was checked (no DNS rebinding between check and connect).
 */
export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookResponse>;
}

/**
 * How committed jobs (src/features/jobs) reach a runner. On Node it wakes this instance's job loop,
 * which claims from PostgreSQL; on Workers it sends the due jobs' ids to the Cloudflare Queue
 * under waitUntil. Never throws, never blocks the response: a lost kick only delays a job until
 * the next poll (Node) or cron tick (Workers).
 */
export interface JobKicker {
  kick(): void;
}

/** Everything a handler may use, read from `c.var.deps`. */
export interface Deps {
  config: Config;
  db: Database;
  redis: Redis;
  clock: Clock;
  passwords: PasswordHasher;
  breachedPasswords: BreachedPasswords;
  mailer: Mailer;
  webhooks: WebhookTransport;
  logger: Logger;
  metrics: Metrics;
  jobs: JobKicker;
  /** Runs work after the response without losing it (Workers' waitUntil, tracked promises on Node). */
  waitUntil(work: Promise<unknown>): void;
  /**
   * Aborted when this instance starts shutting down (Node's SIGTERM): long-lived responses (event
   * streams) end at once, so their clients resume on another instance instead of waiting for the
   * shutdown deadline. Workers have no such moment.
   */
  stopping?: AbortSignal;
}

/**
 * The API reference page's script (the pinned @scalar/api-reference bundle), served from the
 * page's own origin: read from node_modules on Node, from the Worker's static assets on Workers.
 */
export type ApiReferenceScript = () => Promise<Response>;

/**
 * What a runtime's door hands to `createApp`. Static parts are built once; `forRequest` returns
 * the request's dependencies (the same object on Node; on Workers a fresh database client per
 * request, because I/O objects cannot outlive their request, and the request's waitUntil).
 */
export interface DepsProvider {
  config: Config;
  logger: Logger;
  forRequest(c: Context): Deps;
  /** Node's Prometheus registry, served at `GET /metrics` when METRICS_TOKEN is set; Workers have none. */
  metricsExposition?: MetricsExposition;
  /** Absent only in tests that build their own provider; both doors supply it. */
  apiReferenceScript?: ApiReferenceScript;
  /** The caller's IP as this runtime knows it (socket or trusted proxy on Node, CF-Connecting-IP on Workers). */
  clientIp(c: Context): string;
}

export const systemClock: Clock = { now: () => new Date() };
