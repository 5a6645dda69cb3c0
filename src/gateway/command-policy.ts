import { type Command, CommandError } from "./protocol.ts";

/**
 * Commands that only make sense on a connection the caller owns. Over REST every request shares
 * the gateway's connection, so these would leak state (SELECT, MULTI), hijack it (SUBSCRIBE,
 * MONITOR) or stall every other caller behind it (blocking pops). Pub/sub has its own endpoints,
 * transactions have /multi-exec.
 */
const CONNECTION_BOUND = new Set([
  "auth",
  "blmove",
  "blmpop",
  "blpop",
  "brpop",
  "brpoplpush",
  "bzmpop",
  "bzpopmax",
  "bzpopmin",
  "client",
  "discard",
  "exec",
  "hello",
  "monitor",
  "multi",
  "psubscribe",
  "psync",
  "punsubscribe",
  "quit",
  "replconf",
  "reset",
  "select",
  "shutdown",
  "ssubscribe",
  "subscribe",
  "sunsubscribe",
  "swapdb",
  "sync",
  "unsubscribe",
  "unwatch",
  "wait",
  "waitaof",
  "watch",
]);

export function assertCommandAllowed(command: Command): void {
  const name = (command[0] ?? "").toLowerCase();
  if (CONNECTION_BOUND.has(name)) {
    throw new CommandError(`ERR '${command[0]}' is not supported over the Upstash REST gateway`);
  }
}
