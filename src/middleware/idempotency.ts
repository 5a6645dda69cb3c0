import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { AppError, BadRequestError, ConflictError } from "../lib/errors.ts";
import { IDEMPOTENCY_KEY_PATTERN } from "../lib/openapi.ts";

const DAY_SECONDS = 24 * 3600;
/** Bounds how long a crashed first attempt can block its retries. */
const IN_FLIGHT_SECONDS = 60;
const KEY_FORMAT = new RegExp(IDEMPOTENCY_KEY_PATTERN);
const REPLAYED_HEADERS = ["content-type", "location", "etag"];

interface StoredResponse {
  state: "done";
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * `Idempotency-Key` for POST: the same key and body within 24 h replays the stored response; the
 * same key with another body is 422; a duplicate while the first is still running is 409.
 * Keys are per user, so one caller can never replay another's response. Errors (4xx/5xx) are not
 * stored: the client may fix the request and retry with the same key.
 */
export function idempotent() {
  return createMiddleware<AppEnv>(async function idempotent(c, next) {
    const key = c.req.header("Idempotency-Key");
    if (key === undefined) return next();
    if (!KEY_FORMAT.test(key))
      throw new BadRequestError(
        "Idempotency-Key must be 1 to 128 visible ASCII characters.",
        "invalid_idempotency_key",
      );
    const { redis, logger } = c.var.deps;
    const owner = c.var.auth?.userId ?? `ip:${c.var.clientIp}`;
    const storageKey = `tix:idem:${owner}:${await sha256Hex(`${c.req.method} ${c.req.path} ${key}`)}`;
    const fingerprint = await sha256Hex(await c.req.raw.clone().text());

    let claimed: string | null;
    try {
      claimed = await redis.set(storageKey, JSON.stringify({ state: "in_flight", fingerprint }), {
        nx: true,
        ex: IN_FLIGHT_SECONDS,
      });
    } catch (error) {
      logger.warn("idempotency skipped: Redis unavailable", { requestId: c.var.requestId, error });
      return next();
    }
    if (claimed === null) return replayOrRefuse(c, storageKey, fingerprint);

    try {
      await next();
    } catch (error) {
      await redis.del(storageKey).catch(() => {});
      throw error;
    }
    if (c.res.status >= 400) {
      await redis.del(storageKey).catch(() => {});
      return;
    }
    const stored: StoredResponse = {
      state: "done",
      fingerprint,
      status: c.res.status,
      headers: pick(c.res.headers, REPLAYED_HEADERS),
      body: await c.res.clone().text(),
    };
    await redis.set(storageKey, JSON.stringify(stored), { ex: DAY_SECONDS }).catch((error: unknown) => {
      logger.warn("idempotent response not stored", { requestId: c.var.requestId, error });
    });
  });
}

async function replayOrRefuse(
  c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0],
  storageKey: string,
  fingerprint: string,
) {
  const existing = await c.var.deps.redis.get<StoredResponse | { state: "in_flight"; fingerprint: string }>(
    storageKey,
  );
  if (!existing)
    throw new ConflictError("A request with this Idempotency-Key just finished; retry.", "idempotency_retry");
  if (existing.fingerprint !== fingerprint) {
    throw new AppError({
      status: 422,
      code: "idempotency_key_reused",
      title: "Idempotency key reused",
      detail: "This Idempotency-Key was used with a different request body.",
    });
  }
  if (existing.state === "in_flight") {
    throw new ConflictError(
      "A request with this Idempotency-Key is still being processed.",
      "idempotency_in_flight",
    );
  }
  // Through c.header and c.body, so the headers set before (request id, CORS, rate limit) travel too.
  for (const [name, value] of Object.entries(existing.headers)) c.header(name, value);
  c.header("Idempotent-Replayed", "true");
  return c.body(existing.body, existing.status as ContentfulStatusCode);
}

function pick(headers: Headers, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}
