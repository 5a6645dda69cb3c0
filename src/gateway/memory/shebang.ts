import { CommandError } from "../protocol.ts";
import { UPSTASH_ONLY_SCRIPT_FLAGS } from "../scripts.ts";
import { type Bytes, bytesToText } from "./reply.ts";

const REDIS_SCRIPT_FLAGS = new Set([
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
]);

export interface ParsedScript {
  /** The body Lua compiles: the shebang line emptied, so line numbers stay the script's own. */
  code: Bytes;
  readOnly: boolean;
}

/** Redis 7.0's shebang rules, plus the flags Upstash accepts (the memory backend stands in for Upstash). */
export function parseScriptShebang(body: Bytes): ParsedScript {
  if (!body.startsWith("#!")) return { code: body, readOnly: false };
  const lineEnd = body.indexOf("\n");
  if (lineEnd === -1) throw new CommandError("ERR Invalid script shebang");
  const [engine, ...options] = body
    .slice(0, lineEnd)
    .split(/[ \t]+/)
    .filter(Boolean);
  if (engine !== "#!lua")
    throw new CommandError(`ERR Unexpected engine in script shebang: ${bytesToText(engine ?? "")}`);
  let readOnly = false;
  for (const option of options) {
    if (!option.startsWith("flags="))
      throw new CommandError(`ERR Unknown lua shebang option: ${bytesToText(option)}`);
    for (const flag of option.slice("flags=".length).split(",").filter(Boolean)) {
      if (!REDIS_SCRIPT_FLAGS.has(flag) && !UPSTASH_ONLY_SCRIPT_FLAGS.has(flag)) {
        throw new CommandError(`ERR Unexpected flag in script shebang: ${bytesToText(flag)}`);
      }
      if (flag === "no-writes") readOnly = true;
    }
  }
  return { code: body.slice(lineEnd), readOnly };
}
