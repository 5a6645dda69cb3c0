import type { FuzzRequest } from "./requests.ts";

/** A readable account of a request for a failure message (tokens redacted, bodies truncated). */
export function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined
      ? "(none)"
      : typeof request.body === "string"
        ? JSON.stringify(
            request.body.length > 600
              ? `${request.body.slice(0, 600)}… (${request.body.length} chars)`
              : request.body,
          )
        : `bytes ${Buffer.from(request.body).toString("hex").slice(0, 600)}`;
  return [
    `${request.route.method} ${request.path}${request.query}  [route ${request.route.method} ${request.route.path}]`,
    `actor: ${request.actor}, authorization: ${request.authorization}, body kind: ${request.bodyKind}`,
    `headers: ${JSON.stringify(request.headers).slice(0, 600)}`,
    `body: ${body}`,
  ].join("\n");
}
