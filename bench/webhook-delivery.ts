import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type postgres from "postgres";
import { generateSigningSecret } from "../src/features/webhooks/signing.ts";
import type { Measurement } from "./measure.ts";
import type { Caller } from "./scenarios.ts";
import { vacuumLikeAutovacuum } from "./settle.ts";

export const WEBHOOK_ENDPOINTS = 5;

export interface WebhookBench {
  endpoints: number;
  /** PATCH /v1/tickets/:id throughput, turns taking turns: endpoints disabled, then enabled. */
  writesWithout: TurnsMedian;
  writesWith: TurnsMedian;
  /** The median over the turns of with ÷ without: each pair ran back to back, so the machine's drift cancels. */
  ratio: number;
  turnRatios: number[];
  /** Paced PATCHes, each delivered to every endpoint. */
  patches: number;
  deliveries: number;
  lost: number;
  /** From the PATCH's answer (committed) to the POST reaching a receiver. */
  commitToDeliveryMs: { p50: number; p99: number; max: number };
  /** The paced deliveries' rows by status once sent: a lost one shows why here. */
  deliveryOutcomes: Record<string, number>;
  /** Deliveries per second the job loop sent during each saturating turn with the endpoints (it yields to waiting requests). */
  sentDuringTurns: number[];
  /** After each saturating turn with the endpoints: the deliveries it queued, and how fast the job loop sent them. */
  backlogDrains: { backlog: number; perSecond: number }[];
}

type TurnsMedian = Pick<Measurement, "requestsPerSecond" | "latencyMs" | "non2xx"> & { runs: number[] };

interface Receiver {
  url: string;
  /** `${ticketId}:${version}` → arrival (performance.now()). */
  arrivals: Map<string, number>;
  server: Server;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = performance.now();
      response.writeHead(204).end();
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        ticketId?: string;
        payload?: { version?: number };
      };
      if (event.ticketId) arrivals.set(`${event.ticketId}:${event.payload?.version}`, at);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, arrivals, server };
}

/**
 * Webhooks under load: the write throughput of `PATCH /v1/tickets/:id` without endpoints; commit →
 * delivery latency to five endpoints at a steady rate; then the write throughput with the five
 * (every event goes to all five), all in the same run. The API must run with WEBHOOK_ALLOW_PRIVATE_TARGETS=true
 * (the receivers are on this machine). Endpoints are inserted straight into the table.
 */
export async function measureWebhooks(options: {
  baseUrl: string;
  sql: postgres.Sql;
  caller: Caller;
  /** One measured write run (warm-up and one run), called once per turn without and with the endpoints. */
  writes: () => Promise<Measurement>;
  turns: number;
  /** Read after the first write run, which may have changed them. */
  probes: () => Promise<{ id: string; version: number }[]>;
  rate: { perSecond: number; seconds: number };
}): Promise<WebhookBench> {
  const { sql } = options;
  const receivers = await Promise.all(Array.from({ length: WEBHOOK_ENDPOINTS }, startReceiver));
  const setEnabled = (enabled: boolean) => sql`update webhook_endpoints set enabled = ${enabled}`;
  try {
    // A run stopped midway leaves its endpoints (and their retries, to receivers long gone).
    await sql`delete from webhook_endpoints`;
    await sql`delete from jobs where kind = 'webhook.deliver' and finished_at is null`;
    for (const receiver of receivers)
      await sql`insert into webhook_endpoints (url, secret) values (${receiver.url}, ${generateSigningSecret()})`;
    // Latency first, with no backlog: the saturating write runs below queue deliveries, and
    // probes behind that queue would measure the queue.
    const sent = await pacedPatches({ ...options, probes: await options.probes() });
    await new Promise((resolve) => setTimeout(resolve, 10_000)); // stragglers
    // Every delivery sent (or given up) before an endpoint is disabled: a disabled one gets nothing.
    await deliveriesSent(sql);
    const outcomes = await sql<{ status: string; count: number }[]>`
      select status::text, count(*)::int as count from webhook_deliveries group by status`;
    // Throughput: runs without and with the endpoints take turns, each after the deliveries of
    // the one before were sent and its dead rows vacuumed (settle.ts), so neither inherits the
    // other's backlog, bloat or the machine's drift.
    const without: Measurement[] = [];
    const drains: { backlog: number; perSecond: number }[] = [];
    const withEndpoints: Measurement[] = [];
    const sentDuringTurns: number[] = [];
    for (let turn = 0; turn < options.turns; turn++) {
      await vacuumLikeAutovacuum(sql);
      await setEnabled(false);
      without.push(await options.writes());
      await vacuumLikeAutovacuum(sql);
      await setEnabled(true);
      const before = await deliveriesDone(sql);
      const started = performance.now();
      withEndpoints.push(await options.writes());
      const seconds = (performance.now() - started) / 1000;
      sentDuringTurns.push(Math.round(((await deliveriesDone(sql)) - before) / seconds));
      drains.push(await deliveriesSent(sql));
    }
    const latencies: number[] = [];
    for (const [key, answeredAt] of sent)
      for (const receiver of receivers) {
        const arrivedAt = receiver.arrivals.get(key);
        if (arrivedAt !== undefined) latencies.push(arrivedAt - answeredAt);
      }
    const a = medianRun(without);
    const b = medianRun(withEndpoints);
    const turnRatios = withEndpoints.map((run, turn) =>
      round2(run.requestsPerSecond / (without[turn]?.requestsPerSecond ?? Number.NaN)),
    );
    return {
      endpoints: WEBHOOK_ENDPOINTS,
      writesWithout: a,
      writesWith: b,
      ratio: [...turnRatios].sort((x, y) => x - y)[Math.floor(turnRatios.length / 2)] ?? Number.NaN,
      turnRatios,
      patches: sent.size,
      deliveries: latencies.length,
      lost: sent.size * WEBHOOK_ENDPOINTS - latencies.length,
      commitToDeliveryMs: percentiles(latencies),
      deliveryOutcomes: Object.fromEntries(outcomes.map((row) => [row.status, row.count])),
      sentDuringTurns,
      backlogDrains: drains,
    };
  } finally {
    await sql`delete from webhook_endpoints`;
    for (const receiver of receivers) receiver.server.close();
  }
}

/** The run's req/s, latency and errors: the median of the turns by req/s. */
function medianRun(runs: Measurement[]) {
  const sorted = [...runs].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond);
  const m = sorted[Math.floor(sorted.length / 2)] as Measurement;
  return {
    requestsPerSecond: m.requestsPerSecond,
    latencyMs: m.latencyMs,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    runs: runs.map((run) => run.requestsPerSecond),
  };
}

async function deliveriesDone(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ done: number }[]>`
    select count(*)::int as done from jobs where kind = 'webhook.deliver' and state = 'done'`;
  return row?.done ?? 0;
}

/**
 * Waits until the job loop has sent every webhook delivery queued so far (at most 5 minutes), and
 * returns how fast it sent them: the backlog a saturating write run leaves, over the time it took.
 */
async function deliveriesSent(sql: postgres.Sql): Promise<{ backlog: number; perSecond: number }> {
  const pending = async () =>
    (
      await sql<{ pending: number }[]>`
        select count(*)::int as pending from jobs where kind = 'webhook.deliver' and finished_at is null`
    )[0]?.pending ?? 0;
  const backlog = await pending();
  const started = performance.now();
  const deadline = Date.now() + 300_000;
  let left = backlog;
  while (left > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    left = await pending();
  }
  if (left > 0) console.warn(`  ${left} webhook deliveries still pending after 5 minutes`);
  const seconds = (performance.now() - started) / 1000;
  return { backlog, perSecond: Math.round((backlog - left) / Math.max(seconds, 0.001)) };
}

async function pacedPatches(options: {
  baseUrl: string;
  caller: Caller;
  probes: { id: string; version: number }[];
  rate: { perSecond: number; seconds: number };
}): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const run = Date.now().toString(36);
  const refused: Record<number, number> = {};
  const versions = new Map(options.probes.map((ticket) => [ticket.id, ticket.version]));
  const writes: Promise<void>[] = [];
  const total = options.rate.perSecond * options.rate.seconds;
  for (let index = 0; index < total; index++) {
    const ticket = options.probes[index % options.probes.length] as { id: string };
    const version = versions.get(ticket.id) ?? 0;
    versions.set(ticket.id, version + 1);
    writes.push(
      (async () => {
        const response = await fetch(`${options.baseUrl}/v1/tickets/${ticket.id}`, {
          method: "PATCH",
          headers: {
            authorization: `Bearer ${options.caller.token}`,
            "content-type": "application/json",
            "if-match": `"${version}"`,
          },
          // Unique per run: a title an earlier run left would make the PATCH a no-op, with no event.
          body: JSON.stringify({ title: `Webhook latency probe ${run}-${index}` }),
        });
        const answeredAt = performance.now();
        await response.arrayBuffer();
        if (response.status === 200) sent.set(`${ticket.id}:${version + 1}`, answeredAt);
        else refused[response.status] = (refused[response.status] ?? 0) + 1;
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / options.rate.perSecond));
  }
  await Promise.all(writes);
  if (Object.keys(refused).length > 0) console.warn(`  paced PATCHes refused: ${JSON.stringify(refused)}`);
  return sent;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
  const round = (value: number) => Math.round(value * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

/** One line per size for the report. */
export function webhooksTable(bySize: Record<string, WebhookBench>): string {
  const sizes = Object.entries(bySize);
  if (sizes.length === 0) return "";
  const lines = [
    "| Tickets | Endpoints | PATCH req/s without / with (medians of the turns) | ratio (median of the turns' ratios) | deliveries (lost) | commit → delivery p50 / p99 / max ms | deliveries sent per second during the saturating turns | backlog after a saturating turn: deliveries sent per second |",
    "|---:|---:|---|---:|---|---|---|---|",
  ];
  for (const [size, w] of sizes)
    lines.push(
      `| ${Number(size).toLocaleString("en")} | ${w.endpoints} | ${w.writesWithout.requestsPerSecond} / ${w.writesWith.requestsPerSecond} | ${w.ratio} (${w.turnRatios.join(", ")}) | ${w.deliveries} (${w.lost}) | ${w.commitToDeliveryMs.p50} / ${w.commitToDeliveryMs.p99} / ${w.commitToDeliveryMs.max} | ${w.sentDuringTurns.join(", ")} | ${w.backlogDrains.map((d) => `${d.backlog}: ${d.perSecond}/s`).join(", ")} |`,
    );
  return lines.join("\n");
}
