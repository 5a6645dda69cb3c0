import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { verify as verifyPassword } from "@node-rs/argon2";
import { getTableColumns } from "drizzle-orm";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import postgres from "postgres";
import { isPlannedPerRun } from "../src/db/plan-per-run.ts";
import { tickets } from "../src/db/schema.ts";
import type { TicketRow } from "../src/features/tickets/access.ts";
import { toTicket } from "../src/features/tickets/presenter.ts";
import { encodeCursor } from "../src/lib/cursor.ts";
import type { CeilingRoute } from "./ceiling-spec.ts";
import { replayComment, replayWrite } from "./ceiling-writes.ts";

/**
 * The two ceilings, one per process (CEILING_MODE):
 * - `http`: bare node:http answering each route with the status and bytes the API answered
 *   during capture;
 * - `raw`: node:http + jose + postgres.js running exactly the statements the API sent (captured
 *   through Drizzle's query logger), with the caller's user id, the requested ticket id and the
 *   If-Match version substituted for the captured ones, and the rows turned into the same JSON.
 *   Writes run in the API's transactions; login also verifies the argon2id hash and signs a token.
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
  ["sign", "verify"],
);
const issuer = env.JWT_ISSUER ?? "tixgenius";
const audience = env.JWT_AUDIENCE ?? "tixgenius-api";
const ticketKeys = Object.keys(getTableColumns(tickets));
// In the order the API's list selects them (src/features/tickets/list.ts).
const listedKeys = [...ticketKeys.filter((name) => name !== "search"), "cursorKey", "attachmentCount"];
const TICKET_PATH = /^\/v1\/tickets\/([0-9a-f-]{36})$/;
const COMMENTS_PATH = /^\/v1\/tickets\/([0-9a-f-]{36})\/comments$/;

interface Answer {
  status: number;
  body: string;
  etag?: string;
}

function routeOf(method: string, url: string): { route: CeilingRoute; ticketId?: string } | undefined {
  const comments = COMMENTS_PATH.exec(url);
  if (comments) {
    const route = routes.find((candidate) => candidate.kind === "comment" && candidate.method === method);
    return route && { route, ticketId: comments[1] };
  }
  const byId = TICKET_PATH.exec(url);
  if (byId) {
    const route = routes.find(
      (candidate) => candidate.kind !== "list" && candidate.kind !== "comment" && candidate.method === method,
    );
    return route && { route, ticketId: byId[1] };
  }
  const route = routes.find((candidate) => candidate.path === url && candidate.method === method);
  return route && { route };
}

async function caller(request: IncomingMessage): Promise<JWTPayload> {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
  const { payload } = await jwtVerify(token, key, {
    algorithms: ["HS256"],
    typ: "at+jwt",
    issuer,
    audience,
    requiredClaims: ["iss", "aud", "sub", "sid", "jti", "iat", "exp"],
  });
  return payload;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function rawAnswer(request: IncomingMessage, route: CeilingRoute, ticketId?: string): Promise<Answer> {
  const body = await readBody(request);
  if (route.kind === "login") return login(route, JSON.parse(body) as { email: string; password: string });
  const { sub } = await caller(request);
  const ifMatch = Number(/"(\d+)"/.exec(request.headers["if-match"] ?? "")?.[1]);
  const substitute = (value: unknown, query: string) => {
    if (value === route.userId) return sub;
    if (ticketId && value === route.ticketId) return ticketId;
    if (route.version !== undefined && value === route.version && query.includes('"tickets"."version" = $'))
      return ifMatch;
    return value;
  };
  if (route.kind === "comment") {
    const captured = (JSON.parse(route.body) as { id: string }).id;
    const comment = await replayComment(sql, route.statements, captured, substitute);
    return { status: route.status, body: JSON.stringify(comment) };
  }
  if (route.kind === "update" || route.kind === "create") {
    const created = route.kind === "create" ? (JSON.parse(route.body) as { id: string }).id : undefined;
    const row = await replayWrite(sql, route.statements, { ticketId: created }, substitute);
    if (!row) return { status: 412, body: '{"status":412}' };
    const ticket = toTicket(rowOf(row, ticketKeys) as TicketRow);
    return { status: route.status, body: JSON.stringify(ticket), etag: `"${ticket.version}"` };
  }
  let rows: unknown[][] = [];
  for (const statement of route.statements) {
    const params = statement.params.map((value) => substitute(value, statement.query));
    // Sent as the API's pool sends it: prepared by name unless planned per run (a search).
    const prepare = !isPlannedPerRun(statement.query);
    rows = await sql
      .unsafe(statement.query, params as postgres.ParameterOrJSON<never>[], { prepare })
      .values();
  }
  return { status: 200, body: route.kind === "ticket" ? renderTicket(rows) : renderList(rows, route) };
}

/** The login's own work: the user row, the argon2id verification and a signed access token. */
async function login(route: CeilingRoute, credentials: { email: string; password: string }): Promise<Answer> {
  const [statement] = route.statements;
  if (!statement) throw new Error("login captured no statement");
  const [user] = await sql.unsafe(statement.query, [credentials.email, 1], { prepare: true });
  if (!user || !(await verifyPassword(String(user.password_hash), credentials.password)))
    throw new Error("bad login");
  const now = Math.floor(Date.now() / 1000);
  await new SignJWT({ sid: crypto.randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(String(user.id))
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 900)
    .sign(key);
  return { status: route.status, body: route.body };
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
  const data = page.map(({ cursorKey: _key, attachmentCount, ...row }) => ({
    ...toTicket(row as TicketRow),
    attachmentCount,
  }));
  return JSON.stringify({ data, nextCursor });
}

/** The HTTP ceiling: the API's captured answer, after reading the request as any server must. */
async function recorded(request: IncomingMessage, route: CeilingRoute): Promise<Answer> {
  await readBody(request);
  return { status: route.status, body: route.body };
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const found = routeOf(request.method ?? "GET", request.url ?? "");
  if (!found) {
    response.writeHead(404).end();
    return;
  }
  try {
    const answer: Answer =
      mode === "raw"
        ? await rawAnswer(request, found.route, found.ticketId)
        : await recorded(request, found.route);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (answer.etag) headers.etag = answer.etag;
    response.writeHead(answer.status, headers).end(answer.body);
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
