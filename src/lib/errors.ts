export interface FieldError {
  path: string;
  message: string;
}

/** Transport-neutral errors thrown by services; `onError` turns them into problem+json. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: {
    status: number;
    code: string;
    title: string;
    detail?: string;
    errors?: readonly FieldError[];
    extensions?: Record<string, unknown>;
    headers?: Record<string, string>;
  }) {
    super(options.detail ?? options.title);
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code;
    this.title = options.title;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(errors: readonly FieldError[], detail = "The request is not valid.") {
    super({ status: 400, code: "validation_failed", title: "Invalid request", detail, errors });
  }
}

export class BadRequestError extends AppError {
  constructor(detail: string, code = "bad_request") {
    super({ status: 400, code, title: "Bad request", detail });
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = "Authentication is required.", code = "unauthenticated") {
    super({ status: 401, code, title: "Unauthorized", detail, headers: { "WWW-Authenticate": "Bearer" } });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = "You are not allowed to do this.", code = "forbidden", errors?: FieldError[]) {
    super({ status: 403, code, title: "Forbidden", detail, ...(errors ? { errors } : {}) });
  }
}

export class NotFoundError extends AppError {
  constructor(detail = "The resource does not exist.", code = "not_found") {
    super({ status: 404, code, title: "Not found", detail });
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, code = "conflict", extensions?: Record<string, unknown>) {
    super({ status: 409, code, title: "Conflict", detail, ...(extensions ? { extensions } : {}) });
  }
}

export class PreconditionFailedError extends AppError {
  constructor(detail: string, extensions?: Record<string, unknown>) {
    super({
      status: 412,
      code: "precondition_failed",
      title: "Precondition failed",
      detail,
      ...(extensions ? { extensions } : {}),
    });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super({
      status: 413,
      code: "payload_too_large",
      title: "Payload too large",
      detail: `The request body exceeds ${limitBytes} bytes.`,
    });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(expected = "application/json") {
    super({
      status: 415,
      code: "unsupported_media_type",
      title: "Unsupported media type",
      detail: `The request body must be sent with Content-Type: ${expected}.`,
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail = "A dependency is unavailable; try again shortly.", retryAfterSeconds = 5) {
    super({
      status: 503,
      code: "service_unavailable",
      title: "Service unavailable",
      detail,
      headers: { "Retry-After": String(retryAfterSeconds) },
    });
  }
}
