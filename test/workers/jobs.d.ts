// The job suite drives the Worker's queue() consumer with the plugin's message-batch helpers (see
// @cloudflare/vitest-plugin types/cloudflare-test.d.ts). Ambient declarations of a module merge.
declare module "cloudflare:test" {
  import type { ExecutionContext, MessageBatch } from "@cloudflare/workers-types";

  export function createMessageBatch<Body = unknown>(
    queueName: string,
    messages: { id: string; timestamp: Date | number; attempts: number; body: Body }[],
  ): MessageBatch<Body>;
  export function getQueueResult(
    batch: MessageBatch,
    ctx: ExecutionContext,
  ): Promise<{
    outcome: string;
    ackAll: boolean;
    explicitAcks: string[];
    retryMessages: { msgId: string; delaySeconds?: number }[];
  }>;
}
