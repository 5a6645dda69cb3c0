import type { JobMessage, JobMessageSender } from "../features/jobs/dispatch.ts";

/** The part of a Cloudflare Queue producer binding the job engine uses. */
export interface QueueProducer {
  sendBatch(messages: Iterable<{ body: JobMessage; delaySeconds?: number }>): Promise<unknown>;
}

export function isQueueProducer(binding: unknown): binding is QueueProducer {
  return (
    typeof binding === "object" &&
    binding !== null &&
    typeof (binding as { sendBatch?: unknown }).sendBatch === "function"
  );
}

/** Job ids to a Cloudflare Queue: one sendBatch per call (the engine sends at most 100). */
export function createQueueSender(queue: QueueProducer): JobMessageSender {
  return {
    async send(messages) {
      if (messages.length === 0) return;
      await queue.sendBatch(
        messages.map(({ jobId, delaySeconds }) => ({
          body: { jobId },
          ...(delaySeconds > 0 ? { delaySeconds } : {}),
        })),
      );
    },
  };
}
