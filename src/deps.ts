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

/** A byte range of a stored object: `length` bytes from `offset` (fewer at the end of the object). */
export interface ByteRange {
  offset: number;
  length: number;
}

/** A URL the client calls itself, with the headers it must send exactly as given. */
export interface PresignedRequest {
  method: "PUT" | "GET";
  url: string;
  headers: Record<string, string>;
}

/**
 * Where attachments live. Every engine streams (`put` takes a stream of known length, `get` returns
 * one): nothing here holds a whole object in memory. Engines clients can reach on their own (S3 and
 * anything speaking its API) also presign, so bytes bypass the API; the others (a folder on disk,
 * an R2 binding) leave `presign` out and the API serves them through its own signed URLs.
 */
export interface ObjectStore {
  /** For logs and /ready: "disk", "s3" or "r2". */
  readonly kind: string;
  presign?: {
    put(
      key: string,
      object: { size: number; contentType: string },
      expiresInSeconds: number,
    ): Promise<PresignedRequest>;
    get(
      key: string,
      response: { contentType: string; contentDisposition: string },
      expiresInSeconds: number,
    ): Promise<PresignedRequest>;
  };
  /** Stores exactly `size` bytes; fails (storing nothing) when the stream is longer or shorter. */
  put(key: string, body: ReadableStream<Uint8Array>, size: number): Promise<void>;
  /** The object's bytes (or the range), or undefined when there is no such object. */
  get(
    key: string,
    range?: ByteRange,
  ): Promise<{ body: ReadableStream<Uint8Array>; size: number } | undefined>;
  head(key: string): Promise<{ size: number } | undefined>;
  /** The object's SHA-256 (hex), read as a stream; undefined when there is no such object. */
  sha256(key: string): Promise<string | undefined>;
  /**
   * Moves an object to another key (a server-side copy then delete where the engine has no
   * rename). Completion moves an upload out of reach of its still-valid upload URL before checking
   * it, so nobody can swap the bytes after they were checked.
   */
  move(from: string, to: string): Promise<void>;
  /** Missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
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
  objects: ObjectStore;
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
