import fc from "fast-check";
import { conformingRequest } from "./conforming.ts";
import type { DocumentValidator } from "./document-validator.ts";
import { forgedCursor, poisonedStrings } from "./forgeries.ts";
import { type JsonSchema, validValue } from "./json-schema.ts";
import { mutatedJson, nastyScalar, rawJsonText } from "./nasty.ts";
import type { Parameter, RouteSpec } from "./route-specs.ts";
import { ACTOR_NAMES, type ActorName } from "./world.ts";

/** A generated request; the bearer token is resolved when it is sent (scratch sessions change). */
export interface FuzzRequest {
  route: RouteSpec;
  actor: ActorName;
  path: string;
  query: string;
  headers: Record<string, string>;
  authorization: "actor" | "none" | "garbage";
  body: string | Uint8Array | undefined;
  bodyKind: "none" | "valid" | "mutated" | "raw";
  /**
   * valid: every part is what the document allows, sent by a role the route allows;
   * invalid: the same, but for one value the document refuses (`invalidAt` names it);
   * chaos: anything (wrong types, raw bytes, garbage headers, several bad values at once).
   */
  mode: "valid" | "invalid" | "chaos";
  invalidAt?: string;
  /** The JSON body as sent, for round-trip checks (valid and invalid modes). */
  json?: unknown;
}

export interface RequestPools {
  /** Ids any request may use. */
  ids: readonly string[];
  /** Ids that may end up stored in free text (no foreign or secret ids among them). */
  textIds: readonly string[];
  /** Extra ids only read requests use (the actors themselves). */
  readOnlyIds: readonly string[];
  words: readonly string[];
  refreshTokens: readonly string[];
  idsByName?: Readonly<Record<string, readonly string[]>>;
}

const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/json; charset=latin1",
  "application/merge-patch+json",
  "APPLICATION/JSON",
  "application/jsonx",
  "",
];

const GARBAGE_TOKENS = [
  "Bearer",
  "Bearer ",
  "Basic YWRtaW46YWRtaW4=",
  "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
  "Bearer a.b.c",
  "bearer x",
  `Bearer ${"A".repeat(5000)}`,
];

/** Header values must be ByteStrings without CR/LF; anything else becomes visible ASCII. */
export function headerSafe(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  return text.replace(/[^\x20-\x7e\x80-\xff]/g, "?").slice(0, 8000);
}

function parameterValue(
  parameter: Parameter,
  components: Record<string, JsonSchema>,
  pools: RequestPools,
  ids: readonly string[],
) {
  const valid = validValue(parameter.schema, components, { ids, words: pools.words }).map((value) =>
    typeof value === "string" ? value : String(value),
  );
  const nasty = nastyScalar(ids).map((value) =>
    typeof value === "string" ? value : (JSON.stringify(value) ?? ""),
  );
  const poisoned = poisonedStrings(valid) as fc.Arbitrary<string>;
  if (parameter.name === "cursor")
    return fc.oneof({ arbitrary: forgedCursor(ids), weight: 4 }, { arbitrary: nasty, weight: 1 });
  return fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: nasty, weight: 2 },
    { arbitrary: poisoned, weight: 1 },
  );
}

export function pathParam(value: string): string {
  // ".." or "." would be resolved by the URL parser into another route; keep the segment literal.
  const segment = value === "" || /^(\.|%2e){1,2}$/i.test(value) ? "x" : value;
  // A lone surrogate cannot be percent-encoded as UTF-8; send malformed UTF-8 (%ED%A0%80) instead.
  return [...segment.slice(0, 2000)]
    .map((char) => (/^[\ud800-\udfff]$/.test(char) ? "%ED%A0%80" : encodeURIComponent(char)))
    .join("");
}

export function requestArbitrary(
  route: RouteSpec,
  components: Record<string, JsonSchema>,
  pools: RequestPools,
  validator: DocumentValidator,
): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { arbitrary: conformingRequest(route, components, pools, validator, false), weight: 4 },
    { arbitrary: conformingRequest(route, components, pools, validator, true), weight: 4 },
    { arbitrary: chaosRequest(route, components, pools), weight: 3 },
  );
}

function chaosRequest(
  route: RouteSpec,
  components: Record<string, JsonSchema>,
  pools: RequestPools,
): fc.Arbitrary<FuzzRequest> {
  const ids = route.method === "GET" ? [...pools.ids, ...pools.readOnlyIds] : pools.ids;
  const byIn = (where: Parameter["in"]) => route.parameters.filter((parameter) => parameter.in === where);

  const pathValues = fc.tuple(
    ...byIn("path").map((parameter) => parameterValue(parameter, components, pools, ids)),
  );
  const queryEntries = fc.tuple(
    ...byIn("query").map((parameter) =>
      fc.option(
        parameterValue(parameter, components, pools, ids).map((value) => [parameter.name, value] as const),
        { freq: 2 },
      ),
    ),
    fc.option(
      fc.tuple(fc.constantFrom("unknown", "limit", "__proto__", "q[]"), fc.string({ maxLength: 10 })),
      { freq: 4 },
    ),
  );
  const declaredHeaders = fc.tuple(
    ...byIn("header").map((parameter) =>
      fc.option(
        parameterValue(parameter, components, pools, ids).map(
          (value) => [parameter.name, headerSafe(value)] as const,
        ),
        { freq: 2 },
      ),
    ),
  );
  const valid = route.body
    ? validValue(route.body, components, { ids, words: [...pools.words, ...pools.refreshTokens] })
    : fc.constant({});
  const body: fc.Arbitrary<Pick<FuzzRequest, "body" | "bodyKind">> = route.body
    ? fc.oneof(
        {
          arbitrary: valid.map((value) => ({ body: JSON.stringify(value), bodyKind: "valid" as const })),
          weight: 5,
        },
        {
          arbitrary: poisonedStrings(valid).map((value) => ({
            body: JSON.stringify(value),
            bodyKind: "mutated" as const,
          })),
          weight: 2,
        },
        {
          arbitrary: mutatedJson(valid, pools.textIds).map((value) => ({
            body: JSON.stringify(value) ?? "null",
            bodyKind: "mutated" as const,
          })),
          weight: 3,
        },
        { arbitrary: rawJsonText(valid).map((raw) => ({ body: raw, bodyKind: "raw" as const })), weight: 2 },
        { arbitrary: fc.constant({ body: undefined, bodyKind: "none" as const }), weight: 1 },
      )
    : route.method === "GET"
      ? fc.constant({ body: undefined, bodyKind: "none" as const })
      : fc.oneof(
          { arbitrary: fc.constant({ body: undefined, bodyKind: "none" as const }), weight: 4 },
          {
            arbitrary: rawJsonText(fc.jsonValue({ maxDepth: 2 })).map((raw) => ({
              body: raw,
              bodyKind: "raw" as const,
            })),
            weight: 1,
          },
        );
  const contentType = fc.oneof(
    { arbitrary: fc.constant("application/json"), weight: 8 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2 },
  );
  const authorization = fc.oneof(
    { arbitrary: fc.constant("actor" as const), weight: 16 },
    { arbitrary: fc.constantFrom("none" as const, "garbage" as const), weight: 1 },
  );
  const extraHeaders = fc.record(
    {
      accept: fc.constantFrom(
        "*/*",
        "application/json",
        "text/html",
        "application/problem+json",
        "text/event-stream",
      ),
      "if-none-match": fc.constantFrom('"1"', "*", 'W/"2"', "garbage"),
      "x-forwarded-for": fc.oneof(
        fc.constantFrom("not an ip", "::1", "999.1.1.1", "1.2.3.4, 5.6.7.8", ""),
        fc.ipV6(),
      ),
      "idempotency-key": fc.oneof(fc.uuid(), fc.string({ maxLength: 200 }).map(headerSafe)),
      garbage: fc.constantFrom(...GARBAGE_TOKENS),
    },
    { requiredKeys: [] },
  );

  return fc
    .record({
      // Anonymous is also reached through a missing or garbage Authorization header below.
      actor: fc.oneof(
        { arbitrary: fc.constantFrom(...ACTOR_NAMES.filter((name) => name !== "anonymous")), weight: 12 },
        { arbitrary: fc.constant("anonymous" as const), weight: 1 },
      ),
      pathValues,
      queryEntries,
      declaredHeaders,
      body,
      contentType,
      authorization,
      extraHeaders,
    })
    .map((parts) => {
      let path = route.path;
      byIn("path").forEach((parameter, index) => {
        path = path.replace(`{${parameter.name}}`, pathParam(parts.pathValues[index] as string));
      });
      const search = new URLSearchParams();
      for (const entry of parts.queryEntries) if (entry) search.append(entry[0], entry[1]);
      const headers: Record<string, string> = {};
      for (const entry of parts.declaredHeaders) if (entry) headers[entry[0]] = entry[1];
      const { garbage, ...extra } = parts.extraHeaders;
      if (!(route.method === "POST" && route.parameters.some((p) => p.name === "idempotency-key")))
        delete extra["idempotency-key"];
      Object.assign(headers, extra);
      if (parts.body.body !== undefined) headers["content-type"] = parts.contentType;
      if (parts.authorization === "garbage" && garbage) headers.authorization = garbage;
      const actor = parts.authorization === "actor" ? parts.actor : "anonymous";
      return {
        route,
        actor,
        path,
        query: search.size > 0 ? `?${search}` : "",
        headers,
        authorization: parts.authorization === "garbage" && !garbage ? "none" : parts.authorization,
        ...parts.body,
        mode: "chaos" as const,
      };
    });
}
