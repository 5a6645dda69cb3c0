import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env.ts";
import {
  isDatabaseConnectionError,
  isDatabaseTimeoutError,
  isUnstorableTextError,
} from "../lib/database-errors.ts";
import {
  AppError,
  BadRequestError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
} from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { internalError, problemResponse } from "../lib/problem.ts";
import { isRedisUnavailableError } from "../lib/redis-errors.ts";

/** The one place where errors become responses. Unknown errors are logged, never echoed. */
export function handleErrors(logger: Logger, maxBodyBytes: number) {
  return function handleError(error: Error, c: Context<AppEnv>): Response {
    if (error instanceof AppError) return problemResponse(c, error);
    if (error instanceof HTTPException) return problemResponse(c, fromHttpException(error, maxBodyBytes));
    if (isUnstorableTextError(error)) {
      return problemResponse(
        c,
        new BadRequestError(
          "The request contains a character that cannot be stored (such as U+0000).",
          "unstorable_character",
        ),
      );
    }
    const unavailable = dependencyFailureOf(error);
    if (unavailable) {
      logger.error(unavailable.log, {
        code: unavailable.code,
        requestId: c.get("requestId"),
        method: c.req.method,
        route: c.req.routePath,
        error,
      });
      return problemResponse(c, new ServiceUnavailableError(unavailable.detail));
    }
    logger.error("unhandled error", {
      code: "internal_error",
      requestId: c.get("requestId"),
      method: c.req.method,
      route: c.req.routePath,
      error,
    });
    return problemResponse(c, internalError());
  };
}

/** A dependency that is down or too slow: a 503 the client may retry, never a 500. */
function dependencyFailureOf(error: Error): { log: string; code: string; detail: string } | undefined {
  // Redis first: its refused sockets would pass for the database's (see isRedisUnavailableError).
  if (isRedisUnavailableError(error)) {
    return {
      log: "redis unavailable",
      code: "redis_unavailable",
      detail: "A backing service is unavailable; try again shortly.",
    };
  }
  if (isDatabaseConnectionError(error)) {
    return {
      log: "database unavailable",
      code: "database_unavailable",
      detail: "The database is unavailable; try again shortly.",
    };
  }
  if (isDatabaseTimeoutError(error)) {
    return {
      log: "database timeout",
      code: "database_timeout",
      detail: "The database did not answer in time; try again shortly.",
    };
  }
  return undefined;
}

// Hono's own middleware (JSON parsing, body limit) throws HTTPException; give them our shape.
function fromHttpException(error: HTTPException, maxBodyBytes: number): AppError {
  if (error.status === 413) return new PayloadTooLargeError(maxBodyBytes);
  if (error.status === 415) return new UnsupportedMediaTypeError();
  if (error.status === 400 && /json/i.test(error.message)) {
    return new BadRequestError("The request body is not valid JSON.", "malformed_json");
  }
  return new AppError({
    status: error.status,
    code: `http_${error.status}`,
    title: error.status >= 500 ? "Internal error" : "Request failed",
    detail: error.status >= 500 ? "internal error" : error.message || "The request failed.",
  });
}
