import { CommandError } from "../protocol.ts";
import { arg, type CommandContext, type CommandTable, keyword, syntaxError } from "./command-spec.ts";
import { globMatches } from "./glob.ts";
import { isInt64, parseInt64 } from "./numbers.ts";
import { type Bytes, bytesToText, type MemoryReply, OK, StatusReply } from "./reply.ts";

type ExpireUnit = { seconds: boolean; absolute: boolean; command: string };

function expire(context: CommandContext, args: Bytes[], unit: ExpireUnit): MemoryReply {
  const key = arg(args, 1);
  const condition = parseExpireCondition(args.slice(3));
  const amount = parseInt64(arg(args, 2));
  const invalid = new CommandError(`ERR invalid expire time in '${unit.command}' command`);
  const inMs = unit.seconds ? amount * 1000n : amount;
  const deadline = unit.absolute ? inMs : inMs + BigInt(context.db.now());
  if (!isInt64(inMs) || !isInt64(deadline)) throw invalid;
  if (!context.db.exists(key)) return 0;
  const current = context.db.expiresAt(key);
  const next = Number(deadline);
  if (condition.has("NX") && current !== undefined) return 0;
  if (condition.has("XX") && current === undefined) return 0;
  if (condition.has("GT") && (current === undefined || next <= current)) return 0;
  if (condition.has("LT") && current !== undefined && next >= current) return 0;
  context.db.setExpiry(key, next);
  return 1;
}

function parseExpireCondition(options: Bytes[]): Set<string> {
  const seen = new Set<string>();
  for (const option of options) {
    const name = keyword(option);
    if (name !== "NX" && name !== "XX" && name !== "GT" && name !== "LT") {
      throw new CommandError(`ERR Unsupported option ${bytesToText(option)}`);
    }
    seen.add(name);
  }
  if (seen.has("NX") && seen.size > 1) {
    throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (seen.has("GT") && seen.has("LT")) {
    throw new CommandError("ERR GT and LT options at the same time are not compatible");
  }
  return seen;
}

function remaining(context: CommandContext, key: Bytes, inMs: boolean): number {
  if (!context.db.exists(key)) return -2;
  const deadline = context.db.expiresAt(key);
  if (deadline === undefined) return -1;
  const left = Math.max(0, deadline - context.db.now());
  return inMs ? left : Math.floor((left + 500) / 1000);
}

function deadlineOf(context: CommandContext, key: Bytes, inMs: boolean): number {
  if (!context.db.exists(key)) return -2;
  const deadline = context.db.expiresAt(key);
  if (deadline === undefined) return -1;
  return inMs ? deadline : Math.floor((deadline + 500) / 1000);
}

function scan(context: CommandContext, args: Bytes[]): MemoryReply {
  const cursorText = arg(args, 1);
  if (!/^[0-9]+$/.test(cursorText)) throw new CommandError("ERR invalid cursor");
  const cursor = Number(cursorText);
  let pattern: Bytes | undefined;
  let count = 10;
  let type: string | undefined;
  for (let index = 2; index < args.length; index += 2) {
    const option = keyword(args[index]);
    const value = arg(args, index + 1);
    if (option === "MATCH") pattern = value;
    else if (option === "COUNT") {
      count = Number(parseInt64(value));
      if (count < 1) throw syntaxError();
    } else if (option === "TYPE") type = value.toLowerCase();
    else throw syntaxError();
  }
  const found: Bytes[] = [];
  let examined = 0;
  let nextCursor = 0;
  for (const entry of context.db.liveKeys()) {
    if (entry.sequence <= cursor) continue;
    if (examined === count) {
      nextCursor = entry.sequence - 1;
      break;
    }
    examined++;
    if (pattern !== undefined && !globMatches(pattern, entry.key)) continue;
    if (type !== undefined && entry.type !== type) continue;
    found.push(entry.key);
  }
  return [String(nextCursor), found];
}

function flush(context: CommandContext, args: Bytes[]): MemoryReply {
  const mode = keyword(args[1]);
  if (args.length > 2 || (args.length === 2 && mode !== "ASYNC" && mode !== "SYNC")) throw syntaxError();
  context.db.flush();
  return OK;
}

export const keyCommands: CommandTable = {
  del: {
    arity: -2,
    write: true,
    run: (context, args) => args.slice(1).filter((key) => context.db.delete(key)).length,
  },
  unlink: {
    arity: -2,
    write: true,
    run: (context, args) => args.slice(1).filter((key) => context.db.delete(key)).length,
  },
  exists: { arity: -2, run: (context, args) => args.slice(1).filter((key) => context.db.exists(key)).length },
  expire: {
    arity: -3,
    write: true,
    run: (c, a) => expire(c, a, { seconds: true, absolute: false, command: "expire" }),
  },
  pexpire: {
    arity: -3,
    write: true,
    run: (c, a) => expire(c, a, { seconds: false, absolute: false, command: "pexpire" }),
  },
  expireat: {
    arity: -3,
    write: true,
    run: (c, a) => expire(c, a, { seconds: true, absolute: true, command: "expireat" }),
  },
  pexpireat: {
    arity: -3,
    write: true,
    run: (c, a) => expire(c, a, { seconds: false, absolute: true, command: "pexpireat" }),
  },
  ttl: { arity: 2, run: (context, args) => remaining(context, arg(args, 1), false) },
  pttl: { arity: 2, run: (context, args) => remaining(context, arg(args, 1), true) },
  expiretime: { arity: 2, run: (context, args) => deadlineOf(context, arg(args, 1), false) },
  pexpiretime: { arity: 2, run: (context, args) => deadlineOf(context, arg(args, 1), true) },
  persist: {
    arity: 2,
    write: true,
    run(context, args) {
      if (context.db.expiresAt(arg(args, 1)) === undefined) return 0;
      context.db.setExpiry(arg(args, 1), undefined);
      return 1;
    },
  },
  type: {
    arity: 2,
    run: (context, args) => new StatusReply(context.db.lookup(arg(args, 1))?.type ?? "none"),
  },
  keys: {
    arity: 2,
    run(context, args) {
      const pattern = arg(args, 1);
      return [...context.db.liveKeys()].map((entry) => entry.key).filter((key) => globMatches(pattern, key));
    },
  },
  scan: { arity: -2, run: scan },
  dbsize: { arity: 1, run: (context) => context.db.size() },
  flushdb: { arity: -1, write: true, run: flush },
  flushall: { arity: -1, write: true, run: flush },
  rename: {
    arity: 3,
    write: true,
    run(context, args) {
      const [source, target] = [arg(args, 1), arg(args, 2)];
      const data = context.db.lookup(source);
      if (data === undefined) throw new CommandError("ERR no such key");
      const deadline = context.db.expiresAt(source);
      context.db.delete(source);
      context.db.store(target, data);
      context.db.setExpiry(target, deadline);
      return OK;
    },
  },
};
