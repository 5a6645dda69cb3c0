import { CommandError } from "../protocol.ts";
import { arg, type CommandContext, type CommandTable } from "./command-spec.ts";
import { parseInteger } from "./numbers.ts";
import { type Bytes, type MemoryReply, OK } from "./reply.ts";
import { normalizeRankRange } from "./zset-ranges.ts";

function push(context: CommandContext, args: Bytes[], atHead: boolean): number {
  const list = context.db.write(arg(args, 1), "list");
  for (const value of args.slice(2)) {
    if (atHead) list.unshift(value);
    else list.push(value);
  }
  return list.length;
}

function pop(context: CommandContext, args: Bytes[], fromHead: boolean): MemoryReply {
  if (args.length > 3)
    throw new CommandError(`ERR wrong number of arguments for '${fromHead ? "lpop" : "rpop"}' command`);
  const countArg = args[2];
  const count =
    countArg === undefined
      ? undefined
      : parseInteger(countArg, "ERR value is out of range, must be positive");
  if (count !== undefined && count < 0) throw new CommandError("ERR value is out of range, must be positive");
  const key = arg(args, 1);
  const list = context.db.read(key, "list");
  if (list === undefined) return null;
  const taken = fromHead
    ? list.splice(0, count ?? 1)
    : list.splice(Math.max(0, list.length - (count ?? 1))).reverse();
  context.db.dropIfEmpty(key);
  return count === undefined ? (taken[0] ?? null) : taken;
}

export const listCommands: CommandTable = {
  lpush: { arity: -3, write: true, run: (context, args) => push(context, args, true) },
  rpush: { arity: -3, write: true, run: (context, args) => push(context, args, false) },
  lpop: { arity: -2, write: true, run: (context, args) => pop(context, args, true) },
  rpop: { arity: -2, write: true, run: (context, args) => pop(context, args, false) },
  llen: { arity: 2, run: (context, args) => context.db.read(arg(args, 1), "list")?.length ?? 0 },
  lindex: {
    arity: 3,
    run(context, args) {
      const index = parseInteger(arg(args, 2));
      const list = context.db.read(arg(args, 1), "list") ?? [];
      return list[index < 0 ? list.length + index : index] ?? null;
    },
  },
  lrange: {
    arity: 4,
    run(context, args) {
      const [start, stop] = [parseInteger(arg(args, 2)), parseInteger(arg(args, 3))];
      const list = context.db.read(arg(args, 1), "list") ?? [];
      const bounds = normalizeRankRange(start, stop, list.length);
      return bounds ? list.slice(bounds[0], bounds[1] + 1) : [];
    },
  },
  ltrim: {
    arity: 4,
    write: true,
    run(context, args) {
      const [start, stop] = [parseInteger(arg(args, 2)), parseInteger(arg(args, 3))];
      const key = arg(args, 1);
      const list = context.db.read(key, "list");
      if (list === undefined) return OK;
      const bounds = normalizeRankRange(start, stop, list.length);
      const kept = bounds ? list.slice(bounds[0], bounds[1] + 1) : [];
      list.splice(0, list.length, ...kept);
      context.db.dropIfEmpty(key);
      return OK;
    },
  },
};
