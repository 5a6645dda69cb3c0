import express, { type NextFunction, type Request, type Response } from "express";
import { rateLimit } from "express-rate-limit";
import jwt from "jsonwebtoken";
import pg from "pg";
import { type RedisReply, RedisStore } from "rate-limit-redis";
import { createClient } from "redis";
import { toTicket } from "../src/features/tickets/presenter.ts";
import { encodeCursor } from "../src/lib/cursor.ts";

/**
 * The stack a team would pick instead of TixGenius (issue 15): Express 5, `pg`, `jsonwebtoken`
 * and `express-rate-limit` with its Redis store, written the plain way — verify the token, count
 * the request in Redis, one query, map the rows. It checks less than the API (no session
 * revocation, no visibility rule, no metrics); it answers the same JSON shape (the API's own
 * presenter) so byte counts are equal. Same database, same pool size as the API (10).
 */
const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
const redis = createClient({ url: env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await redis.connect();
const secret = env.JWT_SECRET ?? "";
const issuer = env.JWT_ISSUER ?? "tixgenius";
const audience = env.JWT_AUDIENCE ?? "tixgenius-api";

const COLUMNS = `id, number, title, description, status, priority, category_id as "categoryId",
  team_id as "teamId", reporter_id as "reporterId", assignee_id as "assigneeId", tags,
  due_at as "dueAt", first_response_due_at as "firstResponseDueAt",
  resolution_due_at as "resolutionDueAt", first_responded_at as "firstRespondedAt",
  resolved_at as "resolvedAt", closed_at as "closedAt", created_at as "createdAt",
  updated_at as "updatedAt", version, deleted_at as "deletedAt"`;

interface Authenticated extends Request {
  userId?: string;
}

function authenticate(request: Authenticated, response: Response, next: NextFunction) {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  try {
    const payload = jwt.verify(token ?? "", secret, { algorithms: ["HS256"], issuer, audience });
    request.userId = typeof payload === "string" ? undefined : payload.sub;
    next();
  } catch {
    response.status(401).json({ title: "Unauthorized" });
  }
}

const app = express();
app.disable("x-powered-by");
app.use(
  "/v1",
  authenticate,
  rateLimit({
    windowMs: 60_000,
    limit: 1_000_000_000,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    keyGenerator: (request) => (request as Authenticated).userId ?? "anonymous",
    store: new RedisStore({
      prefix: "bench-plain:",
      sendCommand: (...args: string[]) => redis.sendCommand(args) as Promise<RedisReply>,
    }),
  }),
);

app.get("/v1/tickets/:id", async (request, response) => {
  const { rows } = await pool.query(`select ${COLUMNS} from tickets where id = $1 and deleted_at is null`, [
    request.params.id,
  ]);
  if (!rows[0]) return void response.status(404).json({ title: "Not Found" });
  response.set("ETag", `"${rows[0].version}"`).json(toTicket(rows[0]));
});

app.get("/v1/tickets", async (request, response) => {
  const limit = Math.min(Number(request.query.limit ?? 20), 100);
  const { rows } = await pool.query(
    // In the order the tickets' created indexes are declared (`desc nulls last`, as Drizzle writes
    // them): plain `desc` means nulls first, which they cannot serve even on NOT NULL columns, and
    // the list fell to a scan and sort of every open ticket (38 ms a query, 19 req/s at 100k).
    `select ${COLUMNS} from tickets where status = $1 and deleted_at is null
     order by created_at desc nulls last, id desc nulls last limit $2`,
    [String(request.query.status ?? "open"), limit + 1],
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null;
  response.json({ data: page.map(toTicket), nextCursor });
});

app.get("/", (_request, response) => void response.send("plain stack"));
app.listen(Number(env.PORT ?? 18803), "127.0.0.1");
