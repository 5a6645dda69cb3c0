import type { Command, CommandOutcome, Reply } from "./protocol.ts";

export type SubscriptionKind = "channel" | "pattern";

export type PubSubEvent =
  | { type: "message"; channel: string; payload: Uint8Array }
  | { type: "pmessage"; pattern: string; channel: string; payload: Uint8Array };

export interface Subscription {
  /** Subscriptions held by this subscriber after subscribing, as Redis reports it. */
  readonly count: number;
  /** Unsubscribes and releases whatever the subscription holds; safe to call twice. */
  close(): Promise<void>;
}

/**
 * What the HTTP layer needs from a Redis: one command, a pipeline, an atomic transaction and a
 * subscription. Redis error replies are `CommandError`s; an unreachable Redis is a
 * `BackendUnavailableError`.
 */
export interface Backend {
  readonly name: string;
  execute(command: Command): Promise<Reply>;
  pipeline(commands: Command[]): Promise<CommandOutcome[]>;
  /** Queue-time errors (unknown command, wrong arity) abort the whole transaction with a CommandError. */
  transaction(commands: Command[]): Promise<CommandOutcome[]>;
  subscribe(
    kind: SubscriptionKind,
    target: string,
    onEvent: (event: PubSubEvent) => void,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

export interface GatewayLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: GatewayLogger = { warn() {}, info() {} };
