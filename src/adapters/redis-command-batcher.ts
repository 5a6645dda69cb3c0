import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";

interface Queued {
  command: unknown;
  resolve(response: UpstashResponse<unknown>): void;
  reject(error: unknown): void;
}

/**
 * Sends the single commands issued during one turn of the event loop as one Upstash pipeline.
 * Under load the requests in flight issue their session checks and rate-limit scripts at nearly
 * the same moment, and each HTTP round trip to Redis costs CPU on both ends; batching them keeps
 * that cost per batch instead of per command. A command's own error still fails only that command,
 * exactly as when it is sent alone. Explicit pipelines, transactions and subscriptions pass through.
 */
export class RedisCommandBatcher implements Requester {
  private readonly inner: Requester;
  private queue: Queued[] = [];

  constructor(inner: Requester) {
    this.inner = inner;
  }

  get readYourWrites(): boolean | undefined {
    return this.inner.readYourWrites;
  }

  set readYourWrites(value: boolean | undefined) {
    this.inner.readYourWrites = value;
  }

  get upstashSyncToken(): string | undefined {
    return this.inner.upstashSyncToken;
  }

  set upstashSyncToken(value: string | undefined) {
    this.inner.upstashSyncToken = value;
  }

  request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    if (!isPlainCommand(req)) return this.inner.request<TResult>(req);
    return new Promise((resolve, reject) => {
      this.queue.push({ command: req.body, resolve: resolve as Queued["resolve"], reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      if (batch.length === 1) {
        const [only] = batch as [Queued];
        only.resolve(await this.inner.request({ body: only.command }));
        return;
      }
      const replies = await this.inner.request<UpstashResponse<unknown>[]>({
        path: ["pipeline"],
        body: batch.map((queued) => queued.command),
      });
      // The pipeline endpoint answers with a bare array: one { result } or { error } per command.
      const perCommand = replies as unknown as (UpstashResponse<unknown> | undefined)[];
      batch.forEach((queued, index) => {
        const reply = perCommand[index];
        if (reply && reply.error === undefined) queued.resolve(reply);
        // The same error a command sent alone raises.
        else
          queued.reject(
            new errors.UpstashError(
              `${reply?.error ?? "no reply"}, command was: ${JSON.stringify(queued.command)}`,
            ),
          );
      });
    } catch (error) {
      for (const queued of batch) queued.reject(error);
    }
  }
}

function isPlainCommand(req: UpstashRequest): boolean {
  return (
    (req.path === undefined || req.path.length === 0) &&
    req.headers === undefined &&
    req.signal === undefined &&
    req.isStreaming !== true
  );
}
