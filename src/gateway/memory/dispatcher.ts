import { CommandError } from "../protocol.ts";
import { type CommandContext, type CommandSpec, type CommandTable, wrongArity } from "./command-spec.ts";
import { hashCommands } from "./hashes.ts";
import { keyCommands } from "./keys.ts";
import { Keyspace } from "./keyspace.ts";
import { listCommands } from "./lists.ts";
import { PubSubHub } from "./pubsub.ts";
import { type Bytes, bytesToText, type MemoryReply } from "./reply.ts";
import { createScriptingCommands } from "./scripting.ts";
import { serverCommands } from "./server-commands.ts";
import { setCommands } from "./sets.ts";
import { stringCommands } from "./strings.ts";
import { zsetCommands } from "./zsets.ts";

/**
 * The in-memory Redis: looks commands up, checks arity like Redis and runs them synchronously,
 * so every command, transaction and script is atomic without locks.
 */
export class MemoryRedis {
  readonly context: CommandContext = { db: new Keyspace(), pubsub: new PubSubHub() };
  private readonly commands: CommandTable;

  constructor() {
    this.commands = {
      ...stringCommands,
      ...keyCommands,
      ...hashCommands,
      ...setCommands,
      ...zsetCommands,
      ...listCommands,
      ...serverCommands,
      ...createScriptingCommands((args, readOnly) => this.runFromScript(args, readOnly)),
    };
  }

  /** Throws the error Redis gives at queue time (unknown command, wrong arity). */
  resolve(args: Bytes[]): CommandSpec {
    const spec = this.lookup(args[0] ?? "");
    if (!spec) throw new CommandError(unknownCommandMessage(args));
    if (!arityMatches(spec, args)) throw wrongArity(args[0] ?? "");
    return spec;
  }

  run(args: Bytes[]): MemoryReply {
    const spec = this.resolve(args);
    return this.context.db.withFrozenClock(() => spec.run(this.context, args));
  }

  /** Runs a whole transaction at one instant; per-command errors are returned, not thrown. */
  runAtomically<T>(work: () => T): T {
    return this.context.db.withFrozenClock(work);
  }

  private runFromScript(args: Bytes[], readOnly: boolean): MemoryReply {
    const spec = this.lookup(args[0] ?? "");
    if (!spec) throw new CommandError("ERR Unknown Redis command called from script");
    if (!arityMatches(spec, args))
      throw new CommandError("ERR Wrong number of args calling Redis command from script");
    if (spec.noScript) throw new CommandError("ERR This Redis command is not allowed from script");
    if (readOnly && spec.write)
      throw new CommandError("ERR Write commands are not allowed from read-only scripts.");
    return spec.run(this.context, args);
  }

  private lookup(name: Bytes): CommandSpec | undefined {
    const key = name.toLowerCase();
    return Object.hasOwn(this.commands, key) ? this.commands[key] : undefined;
  }
}

function arityMatches(spec: CommandSpec, args: Bytes[]): boolean {
  return spec.arity >= 0 ? args.length === spec.arity : args.length >= -spec.arity;
}

function unknownCommandMessage(args: Bytes[]): string {
  let preview = "";
  for (const argument of args.slice(1)) {
    if (preview.length >= 128) break;
    preview += `'${argument.slice(0, 128 - preview.length)}' `;
  }
  return `ERR unknown command '${bytesToText(args[0] ?? "")}', with args beginning with: ${bytesToText(preview)}`;
}
