/**
 * The Upstash REST wire format: how request bodies become Redis commands and how Redis replies
 * become JSON. Both backends speak `Reply`; only this file knows about JSON and base64.
 */

/** An error reply nested inside an array (EXEC results, Lua tables); top-level errors are thrown. */
export class NestedErrorReply {
  constructor(readonly message: string) {}
}

/** A RESP2 reply as the gateway hands it to the wire: bulk and status strings are both bytes. */
export type Reply = null | number | Uint8Array | NestedErrorReply | Reply[];

/** A Redis error reply (`ERR ...`, `WRONGTYPE ...`, `NOSCRIPT ...`) for one command. */
export class CommandError extends Error {
  override name = "CommandError";
}

/** The backend could not reach Redis at all; the request as a whole fails with a 5xx. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
}

/** The body of a request is not a command (or list of commands) the gateway accepts. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

export type Command = string[];
export type CommandOutcome = { result: Reply } | { error: string };
export type JsonValue = null | number | string | JsonValue[];

export function parseCommand(body: unknown): Command {
  if (!Array.isArray(body) || body.length === 0) {
    throw new BadRequestError("ERR the request body must be a non-empty JSON array: [command, ...args]");
  }
  return body.map((argument, index) => {
    if (typeof argument === "string") return argument;
    if (typeof argument === "number" || typeof argument === "boolean") return String(argument);
    throw new BadRequestError(`ERR argument ${index} must be a string or a number`);
  });
}

export function parseCommandList(body: unknown): Command[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new BadRequestError("ERR the request body must be a non-empty JSON array of commands");
  }
  return body.map((command) => parseCommand(command));
}

/** With `Upstash-Encoding: base64` every string at every depth is base64; numbers and nil are not. */
export function replyToJson(reply: Reply, base64: boolean): JsonValue {
  if (reply === null || typeof reply === "number") return reply;
  if (reply instanceof Uint8Array) return encodeBytes(reply, base64);
  if (reply instanceof NestedErrorReply) return encodeBytes(Buffer.from(reply.message, "utf8"), base64);
  return reply.map((item) => replyToJson(item, base64));
}

export function outcomeToJson(
  outcome: CommandOutcome,
  base64: boolean,
): { result: JsonValue } | { error: string } {
  return "error" in outcome ? { error: outcome.error } : { result: replyToJson(outcome.result, base64) };
}

function encodeBytes(bytes: Uint8Array, base64: boolean): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString(base64 ? "base64" : "utf8");
}

export function textReply(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
