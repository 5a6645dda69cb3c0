import { createHash } from "node:crypto";
import { CommandError } from "../protocol.ts";
import { arg, type CommandTable, keyword, syntaxError } from "./command-spec.ts";
import { LuaEngine } from "./lua-engine.ts";
import { parseInteger } from "./numbers.ts";
import { type Bytes, bytesToText, type MemoryReply, OK } from "./reply.ts";
import { parseScriptShebang } from "./shebang.ts";

/** Runs a command on behalf of a script; read-only scripts may not write. */
export type ScriptCommandRunner = (args: Bytes[], readOnly: boolean) => MemoryReply;

interface CachedScript {
  sha: string;
  body: Bytes;
  readOnly: boolean;
}

const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";

export function sha1OfBytes(bytes: Bytes): string {
  return createHash("sha1").update(Buffer.from(bytes, "latin1")).digest("hex");
}

/** EVAL, EVALSHA, their _RO variants and SCRIPT LOAD / EXISTS / FLUSH over one Lua engine. */
export function createScriptingCommands(runFromScript: ScriptCommandRunner): CommandTable {
  const engine = new LuaEngine();
  const cache = new Map<string, CachedScript>();

  function load(body: Bytes): CachedScript {
    const sha = sha1OfBytes(body);
    const cached = cache.get(sha);
    if (cached) return cached;
    const parsed = parseScriptShebang(body);
    const script = { sha, body: parsed.code, readOnly: parsed.readOnly };
    engine.compile(script);
    cache.set(sha, script);
    return script;
  }

  function run(resolve: () => CachedScript, args: Bytes[], forceReadOnly: boolean): MemoryReply {
    const keyCount = parseInteger(arg(args, 2));
    if (keyCount < 0) throw new CommandError("ERR Number of keys can't be negative");
    if (keyCount > args.length - 3)
      throw new CommandError("ERR Number of keys can't be greater than number of args");
    const keys = args.slice(3, 3 + keyCount);
    const argv = args.slice(3 + keyCount);
    const script = resolve();
    const readOnly = forceReadOnly || script.readOnly;
    return engine.run(script, keys, argv, (command) => runFromScript(command, readOnly));
  }

  function evalsha(args: Bytes[], forceReadOnly: boolean): MemoryReply {
    return run(
      () => {
        const script = cache.get(arg(args, 1).toLowerCase());
        if (!script) throw new CommandError(NOSCRIPT);
        return script;
      },
      args,
      forceReadOnly,
    );
  }

  function scriptCommand(args: Bytes[]): MemoryReply {
    const subcommand = keyword(args[1]);
    const wrongArity = () =>
      new CommandError(`ERR wrong number of arguments for 'script|${subcommand.toLowerCase()}' command`);
    if (subcommand === "LOAD") {
      if (args.length !== 3) throw wrongArity();
      return load(arg(args, 2)).sha;
    }
    if (subcommand === "EXISTS") {
      if (args.length < 3) throw wrongArity();
      return args.slice(2).map((sha) => (cache.has(sha.toLowerCase()) ? 1 : 0));
    }
    if (subcommand === "FLUSH") {
      const mode = keyword(args[2]);
      if (args.length > 3 || (args.length === 3 && mode !== "ASYNC" && mode !== "SYNC")) throw syntaxError();
      cache.clear();
      engine.flush();
      return OK;
    }
    throw new CommandError(`ERR unknown subcommand '${bytesToText(arg(args, 1))}'. Try SCRIPT HELP.`);
  }

  return {
    eval: { arity: -3, noScript: true, run: (_context, args) => run(() => load(arg(args, 1)), args, false) },
    eval_ro: {
      arity: -3,
      noScript: true,
      run: (_context, args) => run(() => load(arg(args, 1)), args, true),
    },
    evalsha: { arity: -3, noScript: true, run: (_context, args) => evalsha(args, false) },
    evalsha_ro: { arity: -3, noScript: true, run: (_context, args) => evalsha(args, true) },
    script: { arity: -2, noScript: true, run: (_context, args) => scriptCommand(args) },
  };
}
