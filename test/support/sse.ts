/**
 * A small server-sent-events reader for tests, on web streams only (Node and workerd alike):
 * it reads a response body in the background and keeps every message and comment it parsed.
 */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

export interface SseReader {
  messages: SseMessage[];
  comments: string[];
  /** Resolves once the condition holds; rejects after `timeoutMs` with what was read so far. */
  until(condition: (reader: SseReader) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  done: boolean;
  /** The parsed `data:` of every message with an `event:` (the live events). */
  events<T = { id: number; type: string; ticketId: string }>(): T[];
  /** Goes away as a client would: cancels the body and aborts the request. */
  close(): Promise<void>;
}

export function readSse(response: Response, abort?: AbortController): SseReader {
  if (!response.body) throw new Error("the response has no body");
  const body = response.body.getReader();
  const decoder = new TextDecoder();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  let buffer = "";
  let frame: Partial<SseMessage> & { dataLines?: string[] } = {};

  const reader: SseReader = {
    messages: [],
    comments: [],
    done: false,
    ended: Promise.resolve(),
    events<T>() {
      return reader.messages
        .filter((message) => message.event)
        .map((message) => JSON.parse(message.data) as T);
    },
    until(condition, timeoutMs = 3000) {
      if (condition(reader)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!condition(reader)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `SSE condition not met in ${timeoutMs} ms; read ${JSON.stringify(reader.messages)} ${JSON.stringify(reader.comments)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    async close() {
      abort?.abort();
      await body.cancel().catch(() => {});
    },
  };

  const handleLine = (line: string) => {
    if (line === "") {
      if (
        frame.dataLines ||
        frame.id !== undefined ||
        frame.event !== undefined ||
        frame.retry !== undefined
      ) {
        const { dataLines, ...rest } = frame;
        reader.messages.push({ ...rest, data: (dataLines ?? []).join("\n") });
      }
      frame = {};
      return;
    }
    if (line.startsWith(":")) {
      reader.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") frame.dataLines = [...(frame.dataLines ?? []), value];
    else if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
    else if (field === "retry") frame.retry = Number(value);
  };

  reader.ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await body.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? "";
        for (const line of lines) handleLine(line);
        notify();
      }
    } catch {
      // Cancelled by close(): the stream is over either way.
    } finally {
      reader.done = true;
      notify();
    }
  })();
  return reader;
}
