import type { Backend } from "./backend.ts";
import { MemoryRedis } from "./memory/dispatcher.ts";
import { type Bytes, type MemoryReply, textToBytes, toWireReply } from "./memory/reply.ts";
import { type Command, CommandError, type CommandOutcome } from "./protocol.ts";

/** Active expiry: lazily expired keys nobody touches again would otherwise live forever. */
const EXPIRED_KEY_SWEEP_MS = 1000;

/** A Redis inside the gateway process, for machines without one. State lives as long as the gateway. */
export function createMemoryBackend(): Backend {
  const redis = new MemoryRedis();
  const openSubscriptions = new Set<() => void>();
  const sweeper = setInterval(() => redis.context.db.removeExpired(), EXPIRED_KEY_SWEEP_MS);
  sweeper.unref();

  return {
    name: "memory",

    async execute(command) {
      return toWireReply(redis.run(toArgs(command)));
    },

    async pipeline(commands) {
      return commands.map((command) => outcomeOf(() => redis.run(toArgs(command))));
    },

    async transaction(commands) {
      const queued = commands.map(toArgs);
      for (const args of queued) {
        try {
          redis.resolve(args);
        } catch (error) {
          if (!(error instanceof CommandError)) throw error;
          throw new CommandError(
            `EXECABORT Transaction discarded because of previous errors: ${error.message}`,
          );
        }
      }
      return redis.runAtomically(() => queued.map((args) => outcomeOf(() => redis.run(args))));
    },

    async subscribe(kind, target, onEvent) {
      const unsubscribe = redis.context.pubsub.subscribe(kind, textToBytes(target), onEvent);
      openSubscriptions.add(unsubscribe);
      return {
        count: 1,
        async close() {
          openSubscriptions.delete(unsubscribe);
          unsubscribe();
        },
      };
    },

    async close() {
      clearInterval(sweeper);
      for (const unsubscribe of openSubscriptions) unsubscribe();
      openSubscriptions.clear();
    },
  };
}

function toArgs(command: Command): Bytes[] {
  return command.map(textToBytes);
}

function outcomeOf(run: () => MemoryReply): CommandOutcome {
  try {
    return { result: toWireReply(run()) };
  } catch (error) {
    if (error instanceof CommandError) return { error: error.message };
    throw error;
  }
}
