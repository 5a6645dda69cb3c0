import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { PROBLEM_CONTENT_TYPE } from "../lib/problem.ts";

/** How long, and how much, a refused client may still send before its socket is destroyed. */
const DRAIN_TIMEOUT_MS = 5_000;
const DRAIN_MAX_BYTES = 1024 * 1024;

interface Refusal {
  status: number;
  reason: string;
  code: string;
  title: string;
  detail: string;
}

function refusalFor(code: string | undefined): Refusal {
  switch (code) {
    // llhttp counts the request line with the header fields, so a long URL lands here too.
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        reason: "Request Header Fields Too Large",
        code: "request_header_fields_too_large",
        title: "Request header fields too large",
        detail: "The request line and header fields together exceed the server's 16 KiB limit.",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        status: 408,
        reason: "Request Timeout",
        code: "request_timeout",
        title: "Request timeout",
        detail: "The request was not received in time.",
      };
    default:
      return {
        status: 400,
        reason: "Bad Request",
        code: "malformed_request",
        title: "Malformed request",
        detail: "The request is not valid HTTP/1.1.",
      };
  }
}

/**
 * Answers what Node's HTTP parser refuses before the app sees it (an over-long URL or header, a
 * malformed request) with a problem+json, like every other error. Node's own answer is a bare
 * status line followed by an immediate destroy: with the client's bytes still unread, the kernel
 * answers with a TCP reset, and most clients then lose the response. So the answer is followed by
 * a half-close and the rest of the request is read and dropped until the client closes, within a
 * bound of time and bytes.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // A response already under way on this socket cannot be followed by another one.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = refusalFor(error.code);
    const body = JSON.stringify({
      type: `urn:tixgenius:problem:${refusal.code}`,
      title: refusal.title,
      status: refusal.status,
      detail: refusal.detail,
      code: refusal.code,
      requestId: randomUUID(),
    });
    socket.end(
      `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "Cache-Control: no-store\r\n" +
        "X-Content-Type-Options: nosniff\r\n" +
        "Connection: close\r\n\r\n" +
        body,
    );
    drainThenDestroy(socket);
  });
}

function drainThenDestroy(socket: Socket): void {
  // The HTTP parser has given up on this socket: nothing else must read what follows.
  socket.removeAllListeners("data");
  let drained = 0;
  const timer = setTimeout(() => socket.destroy(), DRAIN_TIMEOUT_MS);
  timer.unref();
  socket.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) socket.destroy();
  });
  socket.once("close", () => clearTimeout(timer));
  socket.once("end", () => socket.destroy());
  socket.resume();
}
