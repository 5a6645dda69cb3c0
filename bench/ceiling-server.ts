import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { getTableColumns } from "drizzle-orm";
import { jwtVerify } from "jose";
import postgres from "postgres";
import { tickets } from "../src/db/schema.ts";
import type { TicketRow } from "../src/features/tickets/access.ts";
import { toTicket } from "../src/features/tickets/presenter.ts";
import { encodeCursor } from "../src/lib/cursor.ts";
import type { CeilingRoute } from "./ceiling-spec.ts";

/**
 * The two ceilings, one per process (CEILING_MODE):
 * - `http`: bare node:http answering each route with the bytes the API answered during capture;
 * - `raw`: node:http + jose + postgres.js running exactly the statements the API sent (captured
 *   through Drizzle's query logger), with the caller's user id and the requested ticket id
 *   substituted for the captured ones, and the rows turned into the same JSON.
 */
const env = process.env;
const routes = JSON.parse(readFileSync(env.CEILING_SPEC ?? "", "utf8")) as CeilingRoute[];
const mode = env.CEILING_MODE === "raw" ? "raw" : "http";
const sql = postgres(env.DATABASE_URL ?? "", { max: 10, onnotice: () => {} });
// Imported once, as the API does (src/features/auth/access-tokens.ts).
const key = await crypto.subtle.importKey(
  "raw",
  new TextEncoder().encode(env.JWT_SECRET ?? ""),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["verify"],
);
const ticketKeys = Object.keys(getTableColumns(tickets));
const listedKeys = [...ticketKeys.filter((name) => name !== "search"), "cursorKey"];
const TICKET_PATH = /^\/v1\/tickets\/([0-9a-f-]{36})$/;

function routeOf(url: string): { route: CeilingRoute; ticketId?: string } | undefined {
  const byId = TICKET_PATH.exec(url);
  if (byId) {
    const route = routes.find((candidate) => candidate.kind === "ticket");
    return route && { route, ticketId: byId[1] };
  }
  const route = routes.find((candidate) => candidate.path === url);
  return route && { route };
}

async function rawBody(request: IncomingMessage, route: CeilingRoute, ticketId?: string): Promise<string> {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
  const { payload } = await jwtVerify(token, key, {
    algorithms: ["HS256"],
    typ: "at+jwt",
    issuer: env.JWT_ISSUER ?? "tixgenius",
    audience: env.JWT_AUDIENCE ?? "tixgenius-api",
    requiredClaims: ["iss", "aud", "sub", "sid", "jti", "iat", "exp"],
  });
  const substitute = (value: unknown) =>
    value === route.userId ? payload.sub : ticketId && value === route.ticketId ? ticketId : value;
  let rows: unknown[][] = [];
  for (const statement of route.statements) {
    const params = statement.params.map(substitute) as postgres.ParameterOrJSON<never>[];
    rows = await sql.unsafe(statement.query, params, { prepare: true }).values();
  }
  return route.kind === "ticket" ? renderTicket(rows) : renderList(rows, route);
}

function rowOf(values: unknown[], keys: string[]): Record<string, unknown> {
  const row: Record<string, unknown> = Object.fromEntries(keys.map((name, index) => [name, values[index]]));
  row.number = Number(row.number);
  return row;
}

function renderTicket(rows: unknown[][]): string {
  const [first] = rows;
  if (!first) throw new Error("not found");
  return JSON.stringify(toTicket(rowOf(first, ticketKeys) as TicketRow));
}

function renderList(rows: unknown[][], route: CeilingRoute): string {
  const limit = route.limit ?? 20;
  const page = rows.slice(0, limit).map((values) => rowOf(values, listedKeys));
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeCursor([route.orderingName ?? "", ...JSON.parse(String(last.cursorKey)), String(last.id)])
      : null;
  const data = page.map(({ cursorKey: _key, ...row }) => toTicket(row as TicketRow));
  return JSON.stringify({ data, nextCursor });
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const found = routeOf(request.url ?? "");
  if (!found) {
    response.writeHead(404).end();
    return;
  }
  try {
    const body = mode === "raw" ? await rawBody(request, found.route, found.ticketId) : found.route.body;
    response.writeHead(200, { "content-type": "application/json" }).end(body);
  } catch (error) {
    response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
  }
}

const server = createServer((request, response) => void handle(request, response));
server.listen(Number(env.PORT ?? 0), "127.0.0.1");
process.once("SIGTERM", () => {
  server.close();
  void sql.end({ timeout: 1 }).then(() => process.exit(0));
});
