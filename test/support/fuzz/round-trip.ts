import type { FuzzRequest } from "./requests.ts";

export type Send = (path: string, init: RequestInit) => Promise<Response>;

/**
 * How often the checks that reach the database ran: a run whose writes all failed would check
 * nothing, and pass, whatever the storage and cursor code does with a date.
 */
export interface RoundTripCounts {
  /** Date-times a 2xx write sent and read back (years 0001–0099 counted apart: two-digit parsers). */
  datesReadBack: number;
  earlyDatesReadBack: number;
  /** Pages after the first of a ticket list by due date, loaded from a cursor a written ticket led to. */
  dueDatePagesFollowed: number;
}

export function noRoundTrips(): RoundTripCounts {
  return { datesReadBack: 0, earlyDatesReadBack: 0, dueDatePagesFollowed: 0 };
}

const DATE_TIME = /^[+-]?\d{4,6}-\d{2}-\d{2}T/;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What a 2xx wrote must read back the same, and the cursors that lead past it must work:
 * - every date-time the body sent comes back as the same instant (or null as null);
 * - a created resource (Location) reads back equal to the creation answer;
 * - a ticket's dueAt can be paged past with sort=-dueAt;
 * - a list's nextCursor, followed, is a 2xx.
 * Returns the first broken promise, or undefined.
 */
export async function roundTripViolation(
  send: Send,
  request: FuzzRequest,
  response: { status: number; headers: Headers; json: unknown },
  auth: Record<string, string>,
  counts: RoundTripCounts = noRoundTrips(),
): Promise<string | undefined> {
  const { json: answer } = response;
  if (response.status >= 300 || !isRecord(answer)) return undefined;
  const method = request.route.method;
  if (method === "GET") {
    const next = answer.nextCursor;
    if (typeof next !== "string" || request.mode === "chaos") return undefined;
    const query = new URLSearchParams(request.query);
    query.set("cursor", next);
    // The events history says in words that `after` does not go with `cursor`.
    if (request.route.path === "/v1/events/history") query.delete("after");
    const followed = await send(`${request.path}?${query}`, { headers: auth });
    await followed.body?.cancel();
    if (followed.status < 300) return undefined;
    // Concurrent requests may delete the list's ticket (or the caller's sight of it) between the
    // two pages; then its first page is a 404 too, and the cursor is not at fault.
    if (
      followed.status === 404 &&
      (await statusOf(send, `${request.path}?${new URLSearchParams(request.query)}`, auth)) === 404
    )
      return undefined;
    return `following nextCursor ${next} answered ${followed.status}`;
  }
  if (!isRecord(request.json)) return undefined;
  for (const [name, sent] of Object.entries(request.json)) {
    if (!(name in answer)) continue;
    if (typeof sent === "string" && DATE_TIME.test(sent)) {
      const returned = answer[name];
      if (typeof returned !== "string" || Date.parse(returned) !== Date.parse(sent))
        return `${name} sent as ${sent} came back as ${String(returned)}`;
      counts.datesReadBack++;
      if (/^00\d\d-/.test(returned)) counts.earlyDatesReadBack++;
      if (name === "dueAt" && typeof answer.id === "string") {
        const paged = await pagePast(send, Date.parse(returned), auth, counts);
        if (paged) return paged;
      }
    }
    // Merge-patch null clears: to null, or to "" where the field is a non-nullable text.
    if (sent === null && answer[name] !== null && answer[name] !== "")
      return `${name} sent as null came back as ${String(answer[name])}`;
  }
  const location = response.headers.get("location");
  if (method === "POST" && location && typeof answer.id === "string" && location.endsWith(answer.id)) {
    const read = await send(location, { headers: auth });
    const body = read.status === 200 ? await read.json() : await read.text();
    // A secret shown once (a webhook's signing secret) is in the creation answer only.
    const { secret: _shownOnce, ...created } = answer;
    if (JSON.stringify(body) !== JSON.stringify(created))
      return `${location} reads back ${JSON.stringify(body).slice(0, 400)}, not what was created`;
  }
  return undefined;
}

/**
 * The tickets list by due date up to this instant, in both directions, one row a page: the page
 * after its first row must load. Descending starts at this ticket (or one due at the same time),
 * and the fuzz world holds a ticket due at the range's first instant, so that page always has a
 * successor: its cursor carries this ticket's own due date. Ascending starts at the earliest due
 * date the caller can see.
 */
async function pagePast(
  send: Send,
  dueAt: number,
  auth: Record<string, string>,
  counts: RoundTripCounts,
): Promise<string | undefined> {
  const before = new Date(dueAt + 1);
  if (before.getUTCFullYear() > 9999) return undefined;
  for (const sort of ["-dueAt", "dueAt"]) {
    const list = `/v1/tickets?sort=${sort}&limit=1&dueBefore=${before.toISOString()}`;
    const first = await send(list, { headers: auth });
    if (first.status !== 200) return `${list} answered ${first.status}`;
    const page = (await first.json()) as { nextCursor: string | null };
    if (!page.nextCursor) continue;
    const next = await send(`${list}&cursor=${page.nextCursor}`, { headers: auth });
    await next.body?.cancel();
    if (next.status !== 200) return `the page after the first of ${list} answered ${next.status}`;
    counts.dueDatePagesFollowed++;
  }
  return undefined;
}

async function statusOf(send: Send, path: string, auth: Record<string, string>): Promise<number> {
  const response = await send(path, { headers: auth });
  await response.body?.cancel();
  return response.status;
}
