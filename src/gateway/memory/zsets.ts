import { CommandError } from "../protocol.ts";
import { arg, type CommandContext, type CommandTable, keyword, syntaxError } from "./command-spec.ts";
import { formatDouble, parseDouble, parseInteger } from "./numbers.ts";
import type { Bytes, MemoryReply } from "./reply.ts";
import { normalizeRankRange, parseScoreRange, zsetRangeCommands } from "./zset-ranges.ts";

const ZADD_FLAGS = new Set(["NX", "XX", "CH", "INCR", "GT", "LT"]);

function zadd(context: CommandContext, args: Bytes[]): MemoryReply {
  const flags = new Set<string>();
  let index = 2;
  while (index < args.length && ZADD_FLAGS.has(keyword(args[index]))) flags.add(keyword(args[index++]));
  const elements = args.slice(index);
  if (elements.length === 0 || elements.length % 2 !== 0) throw syntaxError();
  if (flags.has("INCR") && elements.length > 2) {
    throw new CommandError("ERR INCR option supports a single increment-element pair");
  }
  if (flags.has("NX") && flags.has("XX")) {
    throw new CommandError("ERR XX and NX options at the same time are not compatible");
  }
  if ((flags.has("GT") && flags.has("LT")) || (flags.has("NX") && (flags.has("GT") || flags.has("LT")))) {
    throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  const pairs: { score: number; member: Bytes }[] = [];
  for (let pair = 0; pair < elements.length; pair += 2) {
    pairs.push({ score: parseDouble(arg(elements, pair)), member: arg(elements, pair + 1) });
  }
  const key = arg(args, 1);
  if (context.db.read(key, "zset") === undefined && flags.has("XX")) return flags.has("INCR") ? null : 0;
  const zset = context.db.write(key, "zset");
  let added = 0;
  let updated = 0;
  let lastScore: number | undefined;
  for (const { score, member } of pairs) {
    const current = zset.score(member);
    lastScore = undefined;
    if (current === undefined) {
      if (flags.has("XX")) continue;
      zset.set(member, score);
      added++;
      lastScore = score;
      continue;
    }
    if (flags.has("NX")) continue;
    const next = flags.has("INCR") ? current + score : score;
    if (Number.isNaN(next)) throw new CommandError("ERR resulting score is not a number (NaN)");
    if ((flags.has("GT") && next <= current) || (flags.has("LT") && next >= current)) continue;
    lastScore = next;
    if (next !== current) {
      zset.set(member, next);
      updated++;
    }
  }
  context.db.dropIfEmpty(key);
  if (flags.has("INCR")) return lastScore === undefined ? null : formatDouble(lastScore);
  return flags.has("CH") ? added + updated : added;
}

function zincrby(context: CommandContext, args: Bytes[]): MemoryReply {
  const increment = parseDouble(arg(args, 2));
  const zset = context.db.write(arg(args, 1), "zset");
  const next = (zset.score(arg(args, 3)) ?? 0) + increment;
  if (Number.isNaN(next)) {
    context.db.dropIfEmpty(arg(args, 1));
    throw new CommandError("ERR resulting score is not a number (NaN)");
  }
  zset.set(arg(args, 3), next);
  return formatDouble(next);
}

function rank(context: CommandContext, args: Bytes[], reverse: boolean): MemoryReply {
  const zset = context.db.read(arg(args, 1), "zset");
  const position = zset?.rank(arg(args, 2));
  if (zset === undefined || position === undefined) return null;
  return reverse ? zset.size - 1 - position : position;
}

export const zsetCommands: CommandTable = {
  ...zsetRangeCommands,
  zadd: { arity: -4, write: true, run: zadd },
  zincrby: { arity: 4, write: true, run: zincrby },
  zrem: {
    arity: -3,
    write: true,
    run(context, args) {
      const zset = context.db.read(arg(args, 1), "zset");
      if (zset === undefined) return 0;
      const removed = args.slice(2).filter((member) => zset.remove(member)).length;
      context.db.dropIfEmpty(arg(args, 1));
      return removed;
    },
  },
  zscore: {
    arity: 3,
    run(context, args) {
      const score = context.db.read(arg(args, 1), "zset")?.score(arg(args, 2));
      return score === undefined ? null : formatDouble(score);
    },
  },
  zmscore: {
    arity: -3,
    run(context, args) {
      const zset = context.db.read(arg(args, 1), "zset");
      return args.slice(2).map((member) => {
        const score = zset?.score(member);
        return score === undefined ? null : formatDouble(score);
      });
    },
  },
  zcard: { arity: 2, run: (context, args) => context.db.read(arg(args, 1), "zset")?.size ?? 0 },
  zcount: {
    arity: 4,
    run(context, args) {
      const range = parseScoreRange(arg(args, 2), arg(args, 3));
      const zset = context.db.read(arg(args, 1), "zset");
      if (zset === undefined) return 0;
      const [start, end] = zset.scoreRangeBounds(range);
      return end - start;
    },
  },
  zrank: { arity: 3, run: (context, args) => rank(context, args, false) },
  zrevrank: { arity: 3, run: (context, args) => rank(context, args, true) },
  zremrangebyscore: {
    arity: 4,
    write: true,
    run(context, args) {
      const range = parseScoreRange(arg(args, 2), arg(args, 3));
      const zset = context.db.read(arg(args, 1), "zset");
      if (zset === undefined) return 0;
      const removed = zset.removeRankRange(...zset.scoreRangeBounds(range));
      context.db.dropIfEmpty(arg(args, 1));
      return removed;
    },
  },
  zremrangebyrank: {
    arity: 4,
    write: true,
    run(context, args) {
      const [start, stop] = [parseInteger(arg(args, 2)), parseInteger(arg(args, 3))];
      const zset = context.db.read(arg(args, 1), "zset");
      if (zset === undefined) return 0;
      const bounds = normalizeRankRange(start, stop, zset.size);
      const removed = bounds ? zset.removeRankRange(bounds[0], bounds[1] + 1) : 0;
      context.db.dropIfEmpty(arg(args, 1));
      return removed;
    },
  },
};
