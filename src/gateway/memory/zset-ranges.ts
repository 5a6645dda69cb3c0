import { CommandError } from "../protocol.ts";
import { arg, type CommandContext, type CommandTable, keyword, syntaxError } from "./command-spec.ts";
import { formatDouble, parseInteger, tryParseDouble } from "./numbers.ts";
import type { Bytes, MemoryReply } from "./reply.ts";
import type { ScoredMember, ScoreRange, SortedSet } from "./sorted-set.ts";

interface RangeRequest {
  by: "rank" | "score";
  reverse: boolean;
  withScores: boolean;
  limit?: { offset: number; count: number };
  /** For REV score ranges the client passes max first; these are already in min/max order. */
  start: Bytes;
  stop: Bytes;
}

export function parseScoreRange(min: Bytes, max: Bytes): ScoreRange {
  const [low, high] = [parseScoreBound(min), parseScoreBound(max)];
  return { min: low.value, minExclusive: low.exclusive, max: high.value, maxExclusive: high.exclusive };
}

function parseScoreBound(bound: Bytes): { value: number; exclusive: boolean } {
  const exclusive = bound.startsWith("(");
  const value = tryParseDouble(exclusive ? bound.slice(1) : bound);
  if (value === undefined) throw new CommandError("ERR min or max is not a float");
  return { value, exclusive };
}

/** Redis's rank clamping; undefined when the range selects nothing. Bounds are inclusive. */
export function normalizeRankRange(
  start: number,
  stop: number,
  length: number,
): [number, number] | undefined {
  const from = Math.max(0, start < 0 ? start + length : start);
  const to = Math.min(length - 1, stop < 0 ? stop + length : stop);
  return from > to || from >= length ? undefined : [from, to];
}

function select(zset: SortedSet, request: RangeRequest): ScoredMember[] {
  if (request.by === "rank") {
    const bounds = normalizeRankRange(parseInteger(request.start), parseInteger(request.stop), zset.size);
    if (!bounds) return [];
    if (!request.reverse) return zset.slice(bounds[0], bounds[1] + 1);
    return zset.slice(zset.size - 1 - bounds[1], zset.size - bounds[0]).reverse();
  }
  const [start, end] = zset.scoreRangeBounds(parseScoreRange(request.start, request.stop));
  const matched = request.reverse ? zset.slice(start, end).reverse() : zset.slice(start, end);
  if (!request.limit) return matched;
  const { offset, count } = request.limit;
  if (offset < 0) return [];
  return matched.slice(offset, count < 0 ? undefined : offset + count);
}

function validateBounds(request: RangeRequest): void {
  if (request.by === "score") {
    parseScoreRange(request.start, request.stop);
    return;
  }
  parseInteger(request.start);
  parseInteger(request.stop);
}

function range(context: CommandContext, key: Bytes, request: RangeRequest): MemoryReply {
  // Redis validates the range before it looks the key up, so a missing key still reports bad bounds.
  validateBounds(request);
  const zset = context.db.read(key, "zset");
  if (zset === undefined) return [];
  const entries = select(zset, request);
  return request.withScores
    ? entries.flatMap((entry) => [entry.member, formatDouble(entry.score)])
    : entries.map((entry) => entry.member);
}

/** ZRANGE key start stop [BYSCORE] [REV] [LIMIT offset count] [WITHSCORES] */
function zrange(context: CommandContext, args: Bytes[]): MemoryReply {
  let by: RangeRequest["by"] = "rank";
  let reverse = false;
  let withScores = false;
  let limit: RangeRequest["limit"];
  for (let index = 4; index < args.length; index++) {
    const option = keyword(args[index]);
    if (option === "BYSCORE") by = "score";
    else if (option === "REV") reverse = true;
    else if (option === "WITHSCORES") withScores = true;
    else if (option === "LIMIT" && index + 2 < args.length) {
      limit = { offset: parseInteger(arg(args, index + 1)), count: parseInteger(arg(args, index + 2)) };
      index += 2;
    } else if (option === "BYLEX") throw new CommandError("ERR BYLEX is not supported by the memory backend");
    else throw syntaxError();
  }
  if (limit && by === "rank") {
    throw new CommandError(
      "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
  }
  const [first, second] = [arg(args, 2), arg(args, 3)];
  const scoreReversed = by === "score" && reverse;
  return range(context, arg(args, 1), {
    by,
    reverse,
    withScores,
    limit,
    start: scoreReversed ? second : first,
    stop: scoreReversed ? first : second,
  });
}

/** ZRANGEBYSCORE / ZREVRANGEBYSCORE key bound bound [WITHSCORES] [LIMIT offset count] */
function rangeByScore(context: CommandContext, args: Bytes[], reverse: boolean): MemoryReply {
  let withScores = false;
  let limit: RangeRequest["limit"];
  for (let index = 4; index < args.length; index++) {
    const option = keyword(args[index]);
    if (option === "WITHSCORES") withScores = true;
    else if (option === "LIMIT" && index + 2 < args.length) {
      limit = { offset: parseInteger(arg(args, index + 1)), count: parseInteger(arg(args, index + 2)) };
      index += 2;
    } else throw syntaxError();
  }
  const [first, second] = [arg(args, 2), arg(args, 3)];
  return range(context, arg(args, 1), {
    by: "score",
    reverse,
    withScores,
    limit,
    start: reverse ? second : first,
    stop: reverse ? first : second,
  });
}

/** ZREVRANGE key start stop [WITHSCORES] */
function zrevrange(context: CommandContext, args: Bytes[]): MemoryReply {
  if (args.length > 5 || (args.length === 5 && keyword(args[4]) !== "WITHSCORES")) throw syntaxError();
  return range(context, arg(args, 1), {
    by: "rank",
    reverse: true,
    withScores: args.length === 5,
    start: arg(args, 2),
    stop: arg(args, 3),
  });
}

export const zsetRangeCommands: CommandTable = {
  zrange: { arity: -4, run: zrange },
  zrangebyscore: { arity: -4, run: (context, args) => rangeByScore(context, args, false) },
  zrevrangebyscore: { arity: -4, run: (context, args) => rangeByScore(context, args, true) },
  zrevrange: { arity: -4, run: zrevrange },
};
