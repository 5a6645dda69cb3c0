import { createHash } from "node:crypto";
import type { Command, Reply } from "./protocol.ts";

/**
 * Flags Upstash accepts in a `#!lua flags=...` shebang that open-source Redis 7.0 rejects with
 * "Unexpected flag in script shebang". @upstash/ratelimit >= 2.1 starts every script with one.
 */
export const UPSTASH_ONLY_SCRIPT_FLAGS: ReadonlySet<string> = new Set(["allow-key-locking"]);

export function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** Drops Upstash-only flags from the shebang line; any other script comes back unchanged. */
export function withoutUpstashOnlyFlags(script: string): string {
  if (!script.startsWith("#!")) return script;
  const lineEnd = script.indexOf("\n");
  const shebang = lineEnd === -1 ? script : script.slice(0, lineEnd);
  const rest = lineEnd === -1 ? "" : script.slice(lineEnd);
  let changed = false;
  const parts: string[] = [];
  for (const part of shebang.split(/[ \t]+/).filter(Boolean)) {
    if (!part.startsWith("flags=")) {
      parts.push(part);
      continue;
    }
    const flags = part.slice("flags=".length).split(",");
    const kept = flags.filter((flag) => !UPSTASH_ONLY_SCRIPT_FLAGS.has(flag));
    if (kept.length === flags.length) {
      parts.push(part);
      continue;
    }
    changed = true;
    if (kept.length > 0) parts.push(`flags=${kept.join(",")}`);
  }
  return changed ? `${parts.join(" ")}${rest}` : script;
}

export interface TranslatedCommand {
  command: Command;
  /** Applied to a successful reply, e.g. to hand back the sha of the script the client sent. */
  mapReply?: (reply: Reply) => Reply;
}

const MAX_REMEMBERED_SCRIPTS = 10_000;

/**
 * Clients address scripts by the SHA1 of the text they sent, but Redis only knows the rewritten
 * text. This remembers original sha -> rewritten sha for every rewritten script seen through
 * EVAL or SCRIPT LOAD and translates EVALSHA / SCRIPT EXISTS accordingly. A sha it has never
 * seen goes to Redis untouched, so Redis itself answers NOSCRIPT and the client's EVAL fallback
 * (which is how the mapping gets learnt) kicks in.
 */
export class ScriptShaMap {
  private readonly rewrittenShaByOriginal = new Map<string, string>();

  translate(command: Command): TranslatedCommand {
    const name = (command[0] ?? "").toLowerCase();
    if (name === "eval" || name === "eval_ro") return { command: this.replaceScriptAt(command, 1).command };
    if (name === "evalsha" || name === "evalsha_ro") return { command: this.replaceShaAt(command, 1) };
    if (name !== "script") return { command };
    const subcommand = (command[1] ?? "").toLowerCase();
    if (subcommand === "load") {
      const { command: translated, originalSha } = this.replaceScriptAt(command, 2);
      if (originalSha === undefined) return { command: translated };
      return { command: translated, mapReply: () => Buffer.from(originalSha) };
    }
    if (subcommand === "exists") {
      return { command: command.map((arg, index) => (index < 2 ? arg : this.rewrittenSha(arg))) };
    }
    if (subcommand === "flush") {
      return {
        command,
        mapReply: (reply) => {
          this.rewrittenShaByOriginal.clear();
          return reply;
        },
      };
    }
    return { command };
  }

  private replaceScriptAt(command: Command, index: number): { command: Command; originalSha?: string } {
    const script = command[index];
    if (script === undefined) return { command };
    const rewritten = withoutUpstashOnlyFlags(script);
    if (rewritten === script) return { command };
    const originalSha = sha1Hex(script);
    this.remember(originalSha, sha1Hex(rewritten));
    return { command: command.with(index, rewritten), originalSha };
  }

  private replaceShaAt(command: Command, index: number): Command {
    const sha = command[index];
    return sha === undefined ? command : command.with(index, this.rewrittenSha(sha));
  }

  private rewrittenSha(sha: string): string {
    return this.rewrittenShaByOriginal.get(sha.toLowerCase()) ?? sha;
  }

  private remember(originalSha: string, rewrittenSha: string): void {
    this.rewrittenShaByOriginal.delete(originalSha);
    this.rewrittenShaByOriginal.set(originalSha, rewrittenSha);
    if (this.rewrittenShaByOriginal.size > MAX_REMEMBERED_SCRIPTS) {
      const oldest = this.rewrittenShaByOriginal.keys().next().value;
      if (oldest !== undefined) this.rewrittenShaByOriginal.delete(oldest);
    }
  }
}
