import { CommandError } from "../protocol.ts";
import {
  arg,
  type CommandContext,
  type CommandTable,
  keyword,
  syntaxError,
  wrongArity,
} from "./command-spec.ts";
import { addLongDoubles } from "./long-double.ts";
import { isInt64, parseInt64 } from "./numbers.ts";
import { type Bytes, OK } from "./reply.ts";

type ExpiryOption = "EX" | "PX" | "EXAT" | "PXAT";

/** Absolute deadline in ms for SET/SETEX-style expiry arguments, with Redis's validation. */
export function deadlineFrom(
  context: CommandContext,
  option: ExpiryOption,
  amount: Bytes,
  command: string,
): number {
  const value = parseInt64(amount);
  const invalid = new CommandError(`ERR invalid expire time in '${command}' command`);
  if (value <= 0n) throw invalid;
  const inMs = option === "EX" || option === "EXAT" ? value * 1000n : value;
  const absolute = option === "EX" || option === "PX" ? inMs + BigInt(context.db.now()) : inMs;
  if (!isInt64(inMs) || !isInt64(absolute)) throw invalid;
  return Number(absolute);
}

function set(context: CommandContext, args: Bytes[]): ReturnType<CommandTable[string]["run"]> {
  const key = arg(args, 1);
  const value = arg(args, 2);
  let condition: "NX" | "XX" | undefined;
  let returnOld = false;
  let keepTtl = false;
  let expiry: { option: ExpiryOption; amount: Bytes } | undefined;
  for (let index = 3; index < args.length; index++) {
    const option = keyword(args[index]);
    if ((option === "NX" || option === "XX") && condition === undefined) condition = option;
    else if (option === "GET" && !returnOld) returnOld = true;
    else if (option === "KEEPTTL" && !keepTtl && expiry === undefined) keepTtl = true;
    else if (
      (option === "EX" || option === "PX" || option === "EXAT" || option === "PXAT") &&
      !keepTtl &&
      !expiry
    ) {
      expiry = { option, amount: arg(args, ++index) };
    } else throw syntaxError();
  }
  const deadline = expiry && deadlineFrom(context, expiry.option, expiry.amount, "set");
  const old = returnOld ? context.db.read(key, "string") : undefined;
  const exists = context.db.exists(key);
  if ((condition === "NX" && exists) || (condition === "XX" && !exists))
    return returnOld ? (old ?? null) : null;
  context.db.store(key, { type: "string", value }, { keepTtl });
  if (deadline !== undefined) context.db.setExpiry(key, deadline);
  return returnOld ? (old ?? null) : OK;
}

function incrementBy(context: CommandContext, key: Bytes, increment: bigint): number {
  const current = context.db.read(key, "string");
  const next = (current === undefined ? 0n : parseInt64(current)) + increment;
  if (!isInt64(next)) throw new CommandError("ERR increment or decrement would overflow");
  context.db.updateString(key, next.toString());
  return Number(next);
}

function setWithTtl(context: CommandContext, args: Bytes[], option: "EX" | "PX", command: string) {
  const key = arg(args, 1);
  const deadline = deadlineFrom(context, option, arg(args, 2), command);
  context.db.store(key, { type: "string", value: arg(args, 3) });
  context.db.setExpiry(key, deadline);
  return OK;
}

export const stringCommands: CommandTable = {
  get: { arity: 2, run: (context, args) => context.db.read(arg(args, 1), "string") ?? null },
  set: { arity: -3, write: true, run: set },
  setnx: {
    arity: 3,
    write: true,
    run(context, args) {
      if (context.db.exists(arg(args, 1))) return 0;
      context.db.store(arg(args, 1), { type: "string", value: arg(args, 2) });
      return 1;
    },
  },
  setex: { arity: 4, write: true, run: (context, args) => setWithTtl(context, args, "EX", "setex") },
  psetex: { arity: 4, write: true, run: (context, args) => setWithTtl(context, args, "PX", "psetex") },
  getset: {
    arity: 3,
    write: true,
    run(context, args) {
      const old = context.db.read(arg(args, 1), "string") ?? null;
      context.db.store(arg(args, 1), { type: "string", value: arg(args, 2) });
      return old;
    },
  },
  getdel: {
    arity: 2,
    write: true,
    run(context, args) {
      const value = context.db.read(arg(args, 1), "string");
      if (value === undefined) return null;
      context.db.delete(arg(args, 1));
      return value;
    },
  },
  mget: {
    arity: -2,
    run(context, args) {
      return args.slice(1).map((key) => {
        const data = context.db.lookup(key);
        return data?.type === "string" ? data.value : null;
      });
    },
  },
  mset: {
    arity: -3,
    write: true,
    run(context, args) {
      if (args.length % 2 === 0) throw wrongArity(arg(args, 0));
      for (let index = 1; index < args.length; index += 2) {
        context.db.store(arg(args, index), { type: "string", value: arg(args, index + 1) });
      }
      return OK;
    },
  },
  incr: { arity: 2, write: true, run: (context, args) => incrementBy(context, arg(args, 1), 1n) },
  decr: { arity: 2, write: true, run: (context, args) => incrementBy(context, arg(args, 1), -1n) },
  incrby: {
    arity: 3,
    write: true,
    run: (context, args) => incrementBy(context, arg(args, 1), parseInt64(arg(args, 2))),
  },
  decrby: {
    arity: 3,
    write: true,
    run(context, args) {
      const decrement = parseInt64(arg(args, 2));
      if (decrement === -(2n ** 63n)) throw new CommandError("ERR decrement would overflow");
      return incrementBy(context, arg(args, 1), -decrement);
    },
  },
  incrbyfloat: {
    arity: 3,
    write: true,
    run(context, args) {
      const current = context.db.read(arg(args, 1), "string") ?? "0";
      const next = addLongDoubles(current, arg(args, 2));
      context.db.updateString(arg(args, 1), next);
      return next;
    },
  },
  append: {
    arity: 3,
    write: true,
    run(context, args) {
      const next = (context.db.read(arg(args, 1), "string") ?? "") + arg(args, 2);
      context.db.updateString(arg(args, 1), next);
      return next.length;
    },
  },
  strlen: { arity: 2, run: (context, args) => (context.db.read(arg(args, 1), "string") ?? "").length },
  getrange: {
    arity: 4,
    run(context, args) {
      const value = context.db.read(arg(args, 1), "string") ?? "";
      let start = Number(parseInt64(arg(args, 2)));
      let end = Number(parseInt64(arg(args, 3)));
      if (start < 0 && end < 0 && start > end) return "";
      if (start < 0) start = Math.max(0, value.length + start);
      if (end < 0) end = Math.max(0, value.length + end);
      end = Math.min(end, value.length - 1);
      return start > end || value.length === 0 ? "" : value.slice(start, end + 1);
    },
  },
};
