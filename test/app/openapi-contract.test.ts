import { afterAll, beforeAll, describe, expect, it } from "vitest";
import timeZoneNamesFile from "../../src/features/developers/time-zones.json" with { type: "json" };
import { assign, createDeveloper, history, unassign } from "../support/factories/assignments.ts";
import { createTeam, insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import { jsonRequest } from "../support/factories.ts";
import { DocumentValidator } from "../support/fuzz/document-validator.ts";
import type { OpenApiDocument, Parameter } from "../support/fuzz/route-specs.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { timeZoneNames } from "../support/time-zones.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
let document: OpenApiDocument;
let validator: DocumentValidator;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
  document = (await (await ctx.app.request("/openapi.json")).json()) as OpenApiDocument;
  validator = new DocumentValidator(document as never);
});
afterAll(() => ctx.close());

/** The documented schema of one parameter of one operation. */
function parameter(method: string, path: string, name: string): object {
  const operation = document.paths[path]?.[method] as { parameters?: Parameter[] } | undefined;
  const found = operation?.parameters?.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`${method} ${path} documents no ${name}`);
  return found.schema;
}

describe("the document describes the answers as they are sent", () => {
  it("allows `score: null` in assignment answers and history, and never a null history entry", async () => {
    const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
    const ticket = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id });
    const developer = await createDeveloper(ctx, { teamId: team.id });
    const assigned = await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developer.user.id });
    expect(assigned.status).toBe(200);
    const assignedBody = await assigned.json();
    expect(validator.errors(validator.component("AssignmentResult"), assignedBody)).toEqual([]);
    const unassigned = await unassign(ctx, world.managerA.session, ticket.id);
    expect(unassigned.status).toBe(200);
    expect(validator.errors(validator.component("AssignmentResult"), await unassigned.json())).toEqual([]);
    const page = await history(ctx, world.managerA.session, ticket.id);
    const body = (await page.json()) as { data: { score: unknown }[] };
    expect(body.data.map((entry) => entry.score)).toEqual([null, null]);
    expect(validator.errors(validator.component("AssignmentHistory"), body)).toEqual([]);
    expect(validator.accepts(validator.component("AssignmentEntry"), null)).toBe(false);
  });
});

describe("date-times in the document", () => {
  it("states the accepted range and form on every date-time a request carries", () => {
    const inputs: [string, { pattern?: string; description?: string }][] = [];
    const collect = (where: string, node: unknown): void => {
      if (typeof node !== "object" || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.format === "date-time") inputs.push([where, schema as never]);
      for (const [key, value] of Object.entries(schema)) collect(`${where}.${key}`, value);
    };
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations)) {
        const { parameters, requestBody } = operation as { parameters?: Parameter[]; requestBody?: unknown };
        for (const parameter of parameters ?? [])
          collect(`${method} ${path} ${parameter.name}`, parameter.schema);
        const ref = JSON.stringify(requestBody ?? {}).match(/#\/components\/schemas\/(\w+)/)?.[1];
        if (ref) collect(`${method} ${path} body`, document.components.schemas[ref]);
      }
    expect(inputs.length).toBeGreaterThanOrEqual(11);
    for (const [where, schema] of inputs) {
      expect(schema.pattern, where).toMatch(/^\^\(\?:000\[1-9\]/);
      expect(schema.description, where).toContain("0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z");
    }
  });
});

describe("the document accepts exactly the nulls the server accepts", () => {
  it.each([
    ["CreateTicket", "dueAt"],
    ["UpdateTicket", "dueAt"],
    ["UpdateTicket", "firstResponseDueAt"],
    ["UpdateTicket", "resolutionDueAt"],
  ])("allows %s.%s to be null, as the server does", (component, field) => {
    const schema = validator.component(component);
    const base = component === "CreateTicket" ? { title: "A ticket" } : {};
    expect(validator.errors(schema, { ...base, [field]: "not a date" })).not.toEqual([]);
    expect(validator.errors(schema, { ...base, [field]: null })).toEqual([]);
  });
});

describe("the document refuses exactly the empty values the server refuses", () => {
  const ticketPath = "/v1/tickets/{id}";
  const cases: [string, () => object, () => Promise<Response> | Response][] = [
    [
      "If-Match on PATCH",
      () => parameter("patch", ticketPath, "if-match"),
      async () => {
        const ticket = await insertTicket(ctx, {
          reporterId: world.reporter.user.id,
          teamId: world.teamA.id,
        });
        return ctx.app.request(
          `/v1/tickets/${ticket.id}`,
          jsonRequest("PATCH", { priority: "high" }, { ...world.managerA.session.headers, "If-Match": "" }),
        );
      },
    ],
    [
      "Idempotency-Key on POST",
      () => parameter("post", "/v1/tickets", "idempotency-key"),
      () =>
        ctx.app.request(
          "/v1/tickets",
          jsonRequest(
            "POST",
            { title: "Keyed" },
            { ...world.reporter.session.headers, "Idempotency-Key": "" },
          ),
        ),
    ],
    ...(["tag", "status", "priority", "cursor", "assigneeId", "q", "createdFrom"] as const).map(
      (name): [string, () => object, () => Promise<Response> | Response] => [
        `${name} on GET /v1/tickets`,
        () => parameter("get", "/v1/tickets", name),
        () => ctx.app.request(`/v1/tickets?${name}=`, { headers: world.reporter.session.headers }),
      ],
    ),
    [
      "after on GET /v1/events/history",
      () => parameter("get", "/v1/events/history", "after"),
      () => ctx.app.request("/v1/events/history?after=", { headers: world.reporter.session.headers }),
    ],
    [
      "entityType on GET /v1/audit-log",
      () => parameter("get", "/v1/audit-log", "entityType"),
      () => ctx.app.request("/v1/audit-log?entityType=%20", { headers: world.admin.session.headers }),
    ],
  ];

  it.each(cases)("%s", async (_name, schema, send) => {
    const response = await send();
    await response.body?.cancel();
    expect(response.status).toBe(400);
    expect(validator.accepts(schema(), _name.startsWith("entityType") ? " " : "")).toBe(false);
  });

  it("takes an empty lastEventId (query or header) as no id, and documents so", async () => {
    for (const init of [
      { query: "?lastEventId=", headers: {} },
      { query: "", headers: { "Last-Event-ID": "" } },
    ]) {
      const abort = new AbortController();
      const response = await ctx.app.request(`/v1/events${init.query}`, {
        headers: { ...world.developerA.session.headers, ...init.headers },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      await response.body?.cancel();
      abort.abort();
    }
    expect(validator.accepts(parameter("get", "/v1/events", "lastEventId"), "")).toBe(true);
    expect(validator.accepts(parameter("get", "/v1/events", "last-event-id"), "")).toBe(true);
    expect(validator.accepts(parameter("get", "/v1/events", "lastEventId"), "x")).toBe(false);
  });

  it("documents the time zone names a developer profile takes, exactly as the server takes them", async () => {
    const developer = await createDeveloper(ctx);
    const put = (timezone: string) =>
      ctx.app.request(
        `/v1/developers/${developer.user.id}/profile`,
        jsonRequest("PUT", { timezone }, world.admin.session.headers),
      );
    const schema = validator.component("PutDeveloperProfile");
    // Mars/Olympus_Mons has the shape of an IANA name: the document once allowed it, the server not.
    for (const timezone of ["", "+05:30", "Europe/Berlin/", "Mars/Olympus_Mons", "utc", "Factory"]) {
      expect((await put(timezone)).status, timezone).toBe(400);
      expect(validator.accepts(schema, { timezone }), timezone).toBe(false);
    }
    for (const timezone of [
      "Asia/Tokyo",
      "UTC",
      "Asia/Kolkata",
      "Asia/Calcutta",
      "US/Pacific",
      "Etc/GMT+5",
    ]) {
      expect((await put(timezone)).status, timezone).toBe(200);
      expect(validator.accepts(schema, { timezone }), timezone).toBe(true);
    }
  });

  it("takes the time zones of the IANA database that this runtime's ICU knows, and no others", () => {
    expect(timeZoneNamesFile, "stale: run `npx tsx scripts/time-zones.ts`").toEqual(timeZoneNames());
  });
});
