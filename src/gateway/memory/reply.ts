import { NestedErrorReply, type Reply } from "../protocol.ts";

/**
 * Inside the memory backend every Redis string is a "byte string": a JS string holding one byte
 * per UTF-16 unit (latin1). That keeps values binary-safe (Lua can produce any bytes), makes
 * lengths byte lengths and string comparison memcmp order, and still lets them key Maps.
 */
export type Bytes = string;

export class StatusReply {
  constructor(readonly text: Bytes) {}
}

/** An error that travels as a value: inside arrays, and as `{err=...}` tables in Lua. */
export class ErrorReply {
  constructor(readonly message: Bytes) {}
}

export type MemoryReply = null | number | Bytes | StatusReply | ErrorReply | MemoryReply[];

export const OK = new StatusReply("OK");

export function textToBytes(text: string): Bytes {
  return Buffer.from(text, "utf8").toString("latin1");
}

export function bytesToText(bytes: Bytes): string {
  return Buffer.from(bytes, "latin1").toString("utf8");
}

export function bytesToBuffer(bytes: Bytes): Buffer {
  return Buffer.from(bytes, "latin1");
}

export function toWireReply(reply: MemoryReply): Reply {
  if (reply === null || typeof reply === "number") return reply;
  if (typeof reply === "string") return bytesToBuffer(reply);
  if (reply instanceof StatusReply) return bytesToBuffer(reply.text);
  if (reply instanceof ErrorReply) return new NestedErrorReply(bytesToText(reply.message));
  return reply.map(toWireReply);
}
