import { CommandError } from "../protocol.ts";
import { arg, type CommandContext, type CommandTable, wrongArity } from "./command-spec.ts";
import { addLongDoubles } from "./long-double.ts";
import { isInt64, parseInt64 } from "./numbers.ts";
import { type Bytes, type MemoryReply, OK } from "./reply.ts";

function setFields(context: CommandContext, args: Bytes[]): number {
  if (args.length % 2 !== 0) throw wrongArity(arg(args, 0));
  const hash = context.db.write(arg(args, 1), "hash");
  let added = 0;
  for (let index = 2; index < args.length; index += 2) {
    if (!hash.has(arg(args, index))) added++;
    hash.set(arg(args, index), arg(args, index + 1));
  }
  return added;
}

function deleteFields(context: CommandContext, args: Bytes[]): number {
  const key = arg(args, 1);
  const hash = context.db.read(key, "hash");
  if (hash === undefined) return 0;
  const removed = args.slice(2).filter((field) => hash.delete(field)).length;
  context.db.dropIfEmpty(key);
  return removed;
}

function incrementField(context: CommandContext, args: Bytes[]): number {
  const increment = parseInt64(arg(args, 3));
  const key = arg(args, 1);
  const current = context.db.read(key, "hash")?.get(arg(args, 2));
  const base = current === undefined ? 0n : parseInt64(current, "ERR hash value is not an integer");
  const next = base + increment;
  if (!isInt64(next)) throw new CommandError("ERR increment or decrement would overflow");
  context.db.write(key, "hash").set(arg(args, 2), next.toString());
  return Number(next);
}

function incrementFieldByFloat(context: CommandContext, args: Bytes[]): MemoryReply {
  const key = arg(args, 1);
  const current = context.db.read(key, "hash")?.get(arg(args, 2)) ?? "0";
  const next = addLongDoubles(current, arg(args, 3), "ERR hash value is not a float");
  context.db.write(key, "hash").set(arg(args, 2), next);
  return next;
}

export const hashCommands: CommandTable = {
  hset: { arity: -4, write: true, run: setFields },
  hmset: {
    arity: -4,
    write: true,
    run(context, args) {
      setFields(context, args);
      return OK;
    },
  },
  hsetnx: {
    arity: 4,
    write: true,
    run(context, args) {
      const hash = context.db.write(arg(args, 1), "hash");
      if (hash.has(arg(args, 2))) return 0;
      hash.set(arg(args, 2), arg(args, 3));
      return 1;
    },
  },
  hget: {
    arity: 3,
    run: (context, args) => context.db.read(arg(args, 1), "hash")?.get(arg(args, 2)) ?? null,
  },
  hmget: {
    arity: -3,
    run(context, args) {
      const hash = context.db.read(arg(args, 1), "hash");
      return args.slice(2).map((field) => hash?.get(field) ?? null);
    },
  },
  hgetall: {
    arity: 2,
    run: (context, args) => [...(context.db.read(arg(args, 1), "hash") ?? new Map<Bytes, Bytes>())].flat(),
  },
  hdel: { arity: -3, write: true, run: deleteFields },
  hexists: {
    arity: 3,
    run: (context, args) => (context.db.read(arg(args, 1), "hash")?.has(arg(args, 2)) ? 1 : 0),
  },
  hincrby: { arity: 4, write: true, run: incrementField },
  hincrbyfloat: { arity: 4, write: true, run: incrementFieldByFloat },
  hlen: { arity: 2, run: (context, args) => context.db.read(arg(args, 1), "hash")?.size ?? 0 },
  hstrlen: {
    arity: 3,
    run: (context, args) => context.db.read(arg(args, 1), "hash")?.get(arg(args, 2))?.length ?? 0,
  },
  hkeys: { arity: 2, run: (context, args) => [...(context.db.read(arg(args, 1), "hash")?.keys() ?? [])] },
  hvals: { arity: 2, run: (context, args) => [...(context.db.read(arg(args, 1), "hash")?.values() ?? [])] },
};
