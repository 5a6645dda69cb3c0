import fc from "fast-check";
import type { DocumentValidator } from "./document-validator.ts";
import { invalidValue } from "./invalid-values.ts";
import { type JsonSchema, resolve, validValue } from "./json-schema.ts";
import type { FuzzRequest, RequestPools } from "./requests.ts";
import { headerSafe, pathParam } from "./requests.ts";
import type { Parameter, RouteSpec } from "./route-specs.ts";

type Entry = readonly [string, string];

/**
 * The name a path parameter's ids are pooled under: the segment before it (`/v1/tickets/{id}` →
 * tickets, `/comments/{commentId}` → comments), so valid requests name the right kind of row.
 */
function poolName(route: RouteSpec, parameter: Parameter): string {
  const segments = route.path.split("/");
  const index = segments.indexOf(`{${parameter.name}}`);
  return segments[index - 1] ?? parameter.name;
}

/** Parameters whose valid values the document states in words only, left out of valid requests. */
const OPAQUE = new Set(["cursor"]);

/**
 * A request the document allows in every part (`invalid` false), or in every part but one
 * (`invalid` true, or the name of the one place to break, e.g. `body.dueAt`): each refused value
 * then reaches the code behind it alone, instead of hiding behind another bad parameter that the
 * validator reports first.
 */
export function conformingRequest(
  route: RouteSpec,
  components: Record<string, JsonSchema>,
  pools: RequestPools,
  validator: DocumentValidator,
  invalid: boolean | string,
): fc.Arbitrary<FuzzRequest> {
  const ids = route.method === "GET" ? [...pools.ids, ...pools.readOnlyIds] : pools.ids;
  const valuePools = { ids, words: pools.words, idsByName: pools.idsByName };
  const text = (parameter: Parameter, name = parameter.name) =>
    validValue(parameter.schema, components, valuePools, 0, name).map((value) =>
      typeof value === "string" ? value : String(value),
    );
  const byIn = (where: Parameter["in"]) => route.parameters.filter((parameter) => parameter.in === where);
  const pathParams = byIn("path");
  const queryParams = byIn("query").filter((parameter) => !OPAQUE.has(parameter.name));
  const headerParams = byIn("header");

  const path = fc.tuple(...pathParams.map((parameter) => text(parameter, poolName(route, parameter))));
  const query = fc.tuple(
    ...queryParams.map((parameter) =>
      parameter.required
        ? text(parameter).map((value): Entry | null => [parameter.name, value])
        : fc.option(
            text(parameter).map((value): Entry => [parameter.name, value]),
            { freq: 3 },
          ),
    ),
  );
  const headers = fc.tuple(
    ...headerParams.map((parameter) => {
      // Fresh keys (a reused one replays another body's answer) and mostly unconditional writes.
      const value =
        parameter.name === "idempotency-key"
          ? fc.uuid()
          : parameter.name === "if-match"
            ? fc.oneof(fc.constant("*"), text(parameter))
            : text(parameter);
      // Only values a header can carry as they are: headerSafe would change the others.
      return fc.option(
        value
          .filter((header) => headerSafe(header) === header.trim() && header === header.trim())
          .map((header): Entry => [parameter.name, header]),
        { freq: 2 },
      );
    }),
  );
  const body = route.body
    ? validValue(route.body, components, {
        ...valuePools,
        words: [...pools.words, ...pools.refreshTokens],
      })
    : fc.constant(undefined);
  const allowed = route.secured ? (route.allowed ?? ["admin"]) : ["anonymous", ...(route.allowed ?? [])];
  const base = fc.record({
    actor: fc.constantFrom(...allowed),
    path,
    query,
    headers,
    body,
  });

  const places = !invalid
    ? []
    : invalidPlaces(route, components, validator).filter(
        (place) => invalid === true || placeName(place) === invalid,
      );
  const withInvalid =
    places.length === 0
      ? base.map((parts) => ({ parts, place: undefined as Place | undefined, value: undefined as unknown }))
      : fc
          .constantFrom(...places)
          .chain((place) =>
            fc.record({ parts: base, place: fc.constant<Place | undefined>(place), value: place.value }),
          );

  return withInvalid.map(({ parts, place, value }) => {
    const pathValues = [...parts.path];
    const queryEntries = parts.query.filter((entry): entry is Entry => entry !== null);
    const headerEntries = parts.headers.filter((entry): entry is Entry => entry !== null);
    let json = parts.body;
    if (place) {
      const replacement = value;
      if (place.in === "path") pathValues[place.index] = String(replacement);
      if (place.in === "query") {
        const kept = queryEntries.filter(([name]) => name !== place.name);
        queryEntries.splice(0, queryEntries.length, ...kept, [place.name, String(replacement)]);
      }
      if (place.in === "header") {
        const kept = headerEntries.filter(([name]) => name !== place.name);
        headerEntries.splice(0, headerEntries.length, ...kept, [place.name, headerSafe(replacement)]);
      }
      if (place.in === "body") json = { ...(json as Record<string, unknown>), [place.name]: replacement };
    }
    let concretePath = route.path;
    pathParams.forEach((parameter, index) => {
      concretePath = concretePath.replace(`{${parameter.name}}`, pathParam(pathValues[index] as string));
    });
    const search = new URLSearchParams();
    for (const [name, entry] of queryEntries) search.append(name, entry);
    const headerRecord: Record<string, string> = Object.fromEntries(headerEntries);
    if (json !== undefined) headerRecord["content-type"] = "application/json";
    const request: FuzzRequest = {
      route,
      actor: parts.actor as FuzzRequest["actor"],
      path: concretePath,
      query: search.size > 0 ? `?${search}` : "",
      headers: headerRecord,
      authorization: parts.actor === "anonymous" ? "none" : "actor",
      body: json === undefined ? undefined : JSON.stringify(json),
      bodyKind: json === undefined ? "none" : place?.in === "body" ? "mutated" : "valid",
      mode: place ? "invalid" : "valid",
      ...(place ? { invalidAt: placeName(place) } : {}),
      ...(json === undefined ? {} : { json }),
    };
    return request;
  });
}

interface Place {
  in: "path" | "query" | "header" | "body";
  name: string;
  index: number;
  value: fc.Arbitrary<unknown>;
}

const placeName = (place: Place) => `${place.in}.${place.name}`;

/** The names (`query.limit`, `body.dueAt`) of every value of the route that can be made invalid. */
export function invalidPlaceNames(
  route: RouteSpec,
  components: Record<string, JsonSchema>,
  validator: DocumentValidator,
): string[] {
  return invalidPlaces(route, components, validator).map(placeName);
}

/** Every value of the route that can be made invalid, with the refused values for it. */
function invalidPlaces(
  route: RouteSpec,
  components: Record<string, JsonSchema>,
  validator: DocumentValidator,
): Place[] {
  const places: Place[] = [];
  route.parameters.forEach((parameter) => {
    const index = route.parameters.filter((p) => p.in === parameter.in).indexOf(parameter);
    const value = invalidValue(parameter.schema, components, validator, "text", parameter.in === "header");
    // A path segment that is not a uuid can only be a 404 or 400; it still must not be a 2xx.
    if (value) places.push({ in: parameter.in, name: parameter.name, index, value });
  });
  if (route.body) {
    const body = resolve(route.body, components);
    for (const [name, property] of Object.entries(body.properties ?? {})) {
      const value = invalidValue(property, components, validator, "json", false);
      if (value) places.push({ in: "body", name, index: 0, value });
    }
  }
  return places;
}
