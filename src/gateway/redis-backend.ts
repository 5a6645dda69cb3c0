import type { Redis } from "ioredis";
import type { Backend, GatewayLogger, Subscription } from "./backend.ts";
import { CommandError, type CommandOutcome, NestedErrorReply, type Reply } from "./protocol.ts";
import {
  classifyRedisError,
  commandName,
  disconnectQuietly,
  openRedisConnection,
  toReply,
  whenReady,
} from "./redis-connection.ts";
import { RedisConnectionPool } from "./redis-pool.ts";
import { openRedisSubscription } from "./redis-subscriber.ts";
import { ScriptShaMap, type TranslatedCommand } from "./scripts.ts";

type PipelineResults = [error: Error | null, value: unknown][];

export async function createRedisBackend(redisUrl: string, logger: GatewayLogger): Promise<Backend> {
  const shared = openRedisConnection(redisUrl, "commands", logger);
  const transactions = new RedisConnectionPool(redisUrl, logger);
  const scripts = new ScriptShaMap();
  const subscriptions = new Set<Subscription>();
  try {
    await whenReady(shared);
  } catch {
    logger.warn("redis is not reachable yet; requests fail with 503 until it is", {
      redisUrl: redactUrl(redisUrl),
    });
  }

  async function runPipeline(connection: Redis, commands: TranslatedCommand[]): Promise<PipelineResults> {
    const pipeline = connection.pipeline();
    for (const { command } of commands)
      pipeline.callBuffer(commandName(command[0] ?? ""), ...command.slice(1));
    try {
      return (await pipeline.exec()) ?? [];
    } catch (error) {
      throw classifyRedisError(error);
    }
  }

  return {
    name: "redis",

    async execute(command) {
      const { command: translated, mapReply } = scripts.translate(command);
      await whenReady(shared);
      try {
        const reply = toReply(
          await shared.callBuffer(commandName(translated[0] ?? ""), ...translated.slice(1)),
        );
        return mapReply ? mapReply(reply) : reply;
      } catch (error) {
        throw classifyRedisError(error);
      }
    },

    async pipeline(commands) {
      const translated = commands.map((command) => scripts.translate(command));
      await whenReady(shared);
      const results = await runPipeline(shared, translated);
      return results.map(([error, value], index): CommandOutcome => {
        if (!error) return { result: applyMap(translated[index], toReply(value)) };
        const classified = classifyRedisError(error);
        if (!(classified instanceof CommandError)) throw classified;
        return { error: classified.message };
      });
    },

    async transaction(commands) {
      const translated = commands.map((command) => scripts.translate(command));
      return transactions.withConnection(async (connection) => {
        const wrapped: TranslatedCommand[] = [{ command: ["MULTI"] }, ...translated, { command: ["EXEC"] }];
        const results = await runPipeline(connection, wrapped);
        const queueError = results.slice(1, -1).find(([error]) => error !== null)?.[0];
        if (queueError) throw transactionAborted(classifyRedisError(queueError));
        const [execError, execValue] = results.at(-1) ?? [new Error("EXEC got no reply"), null];
        if (execError) throw classifyRedisError(execError);
        const replies = toReply(execValue);
        if (!Array.isArray(replies)) throw new CommandError("EXECABORT Transaction discarded");
        return replies.map((reply, index): CommandOutcome => {
          if (reply instanceof NestedErrorReply) return { error: reply.message };
          return { result: applyMap(translated[index], reply) };
        });
      });
    },

    async subscribe(kind, target, onEvent) {
      const subscription = await openRedisSubscription(redisUrl, logger, kind, target, onEvent);
      subscriptions.add(subscription);
      return {
        count: subscription.count,
        close: async () => {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    },

    async close() {
      await Promise.all([
        ...[...subscriptions].map((subscription) => subscription.close()),
        transactions.close(),
        disconnectQuietly(shared),
      ]);
      subscriptions.clear();
    },
  };
}

function applyMap(translated: TranslatedCommand | undefined, reply: Reply): Reply {
  return translated?.mapReply ? translated.mapReply(reply) : reply;
}

function transactionAborted(cause: Error): Error {
  if (!(cause instanceof CommandError)) return cause;
  return new CommandError(`EXECABORT Transaction discarded because of previous errors: ${cause.message}`);
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<invalid url>";
  }
}
