import { CommandError } from "../protocol.ts";
import type { Keyspace } from "./keyspace.ts";
import type { PubSubHub } from "./pubsub.ts";
import { type Bytes, bytesToText, type MemoryReply } from "./reply.ts";

export interface CommandContext {
  db: Keyspace;
  pubsub: PubSubHub;
}

export interface CommandSpec {
  /** Redis's convention, counting the command name: N means exactly N, -N means at least N. */
  arity: number;
  /** Refused inside scripts flagged no-writes and EVAL_RO. */
  write?: boolean;
  /** Refused inside scripts altogether, as Redis refuses EVAL inside EVAL. */
  noScript?: boolean;
  /** args[0] is the command name as the client sent it. */
  run(context: CommandContext, args: Bytes[]): MemoryReply;
}

export type CommandTable = Record<string, CommandSpec>;

export function syntaxError(): CommandError {
  return new CommandError("ERR syntax error");
}

export function wrongArity(name: Bytes): CommandError {
  return new CommandError(`ERR wrong number of arguments for '${bytesToText(name).toLowerCase()}' command`);
}

/** Option keywords are matched case-insensitively; args are ASCII-compatible byte strings. */
export function keyword(arg: Bytes | undefined): string {
  return (arg ?? "").toUpperCase();
}

export function arg(args: Bytes[], index: number): Bytes {
  const value = args[index];
  if (value === undefined) throw syntaxError();
  return value;
}
