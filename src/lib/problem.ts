import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "./errors.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const PROBLEM_TYPE_BASE = "urn:tixgenius:problem:";

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/** Renders an AppError as RFC 9457 problem+json, with the request's id and path. */
export function problemResponse(c: Context, error: AppError): Response {
  const requestId: string = c.get("requestId") ?? "";
  const body: ProblemDocument = {
    ...error.extensions,
    type: PROBLEM_TYPE_BASE + error.code,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance: new URL(c.req.url).pathname,
    code: error.code,
    requestId,
    ...(error.errors ? { errors: [...error.errors] } : {}),
  };
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  c.header("Content-Type", PROBLEM_CONTENT_TYPE);
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode);
}

export function internalError(): AppError {
  return new AppError({
    status: 500,
    code: "internal_error",
    title: "Internal error",
    detail: "internal error",
  });
}
