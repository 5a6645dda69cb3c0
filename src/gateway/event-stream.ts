import type { ServerResponse } from "node:http";

/** A comment line keeps idle proxies from closing the stream and reveals clients that went away. */
const HEARTBEAT_MS = 15_000;

/**
 * The server-sent-events response of /subscribe and /psubscribe. Lines sent before `open` are
 * queued, because Redis can deliver a message in the same packet as the subscribe confirmation.
 */
export class EventStream {
  private readonly queued: string[] = [];
  private opened = false;
  private ended = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly response: ServerResponse) {}

  open(firstLine: string): void {
    if (this.ended) return;
    this.response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    this.opened = true;
    this.write(firstLine);
    for (const line of this.queued.splice(0)) this.write(line);
    this.heartbeat = setInterval(() => this.response.write(":\n\n"), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The Upstash client reads one `data: ` line per event and does not join continuation lines. */
  send(line: string): void {
    if (this.ended) return;
    if (this.opened) this.write(line);
    else this.queued.push(line);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (this.opened) this.response.end();
  }

  private write(line: string): void {
    this.response.write(`data: ${line}\n\n`);
  }
}

/**
 * A payload line break would split the event, and the client would deliver only the first
 * part (or treat the rest as a forged event), so line breaks travel as spaces. JSON payloads,
 * which is what @upstash/redis publishes for objects, parse the same either way.
 */
export function singleLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ");
}
