import { arg, type CommandTable } from "./command-spec.ts";
import type { Bytes } from "./reply.ts";

export const setCommands: CommandTable = {
  sadd: {
    arity: -3,
    write: true,
    run(context, args) {
      const set = context.db.write(arg(args, 1), "set");
      const before = set.size;
      for (const member of args.slice(2)) set.add(member);
      return set.size - before;
    },
  },
  srem: {
    arity: -3,
    write: true,
    run(context, args) {
      const set = context.db.read(arg(args, 1), "set");
      if (set === undefined) return 0;
      const removed = args.slice(2).filter((member) => set.delete(member)).length;
      context.db.dropIfEmpty(arg(args, 1));
      return removed;
    },
  },
  smembers: {
    arity: 2,
    run: (context, args) => [...(context.db.read(arg(args, 1), "set") ?? new Set<Bytes>())],
  },
  sismember: {
    arity: 3,
    run: (context, args) => (context.db.read(arg(args, 1), "set")?.has(arg(args, 2)) ? 1 : 0),
  },
  smismember: {
    arity: -3,
    run(context, args) {
      const set = context.db.read(arg(args, 1), "set");
      return args.slice(2).map((member) => (set?.has(member) ? 1 : 0));
    },
  },
  scard: { arity: 2, run: (context, args) => context.db.read(arg(args, 1), "set")?.size ?? 0 },
};
