import type { IncomingMessage, ServerResponse } from "node:http";
import type { Backend, GatewayLogger, PubSubEvent, SubscriptionKind } from "./backend.ts";
import { assertCommandAllowed } from "./command-policy.ts";
import { EventStream, singleLine } from "./event-stream.ts";
import { bearerTokenMatches, HttpError, readJsonBody, sendJson } from "./http-io.ts";
import {
  BackendUnavailableError,
  BadRequestError,
  type Command,
  CommandError,
  type CommandOutcome,
  outcomeToJson,
  parseCommand,
  parseCommandList,
  replyToJson,
} from "./protocol.ts";

type Route =
  | { kind: "command" }
  | { kind: "pipeline" }
  | { kind: "multi-exec" }
  | { kind: "subscribe"; subscription: SubscriptionKind; target: string };

export interface RequestHandlerDeps {
  token: string;
  backend: Backend;
  logger: GatewayLogger;
  /** Releases every open subscription stream; the server calls them all on close. */
  openStreams: Set<() => void>;
}

export function createRequestHandler(deps: RequestHandlerDeps) {
  return async function handleGatewayRequest(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    try {
      const route = matchRoute(new URL(request.url ?? "/", "http://gateway").pathname);
      if (!route) throw new HttpError(404, "Not Found");
      if (request.method !== "POST") {
        response.setHeader("allow", "POST");
        throw new HttpError(405, "Method Not Allowed");
      }
      if (!bearerTokenMatches(request.headers.authorization, deps.token))
        throw new HttpError(401, "Unauthorized");
      const body = await readJsonBody(request);
      const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      if (route.kind === "command") {
        const command = parseCommand(body);
        assertCommandAllowed(command);
        sendJson(response, 200, { result: replyToJson(await deps.backend.execute(command), base64) });
      } else if (route.kind === "pipeline") {
        sendOutcomes(response, await runPipeline(deps.backend, parseCommandList(body)), base64);
      } else if (route.kind === "multi-exec") {
        const commands = parseCommandList(body);
        for (const command of commands) assertAllowedInTransaction(command);
        sendOutcomes(response, await deps.backend.transaction(commands), base64);
      } else {
        await streamSubscription(deps, response, route.subscription, route.target);
      }
    } catch (error) {
      respondWithError(response, error, deps.logger);
    }
  };
}

function sendOutcomes(response: ServerResponse, outcomes: CommandOutcome[], base64: boolean): void {
  sendJson(
    response,
    200,
    outcomes.map((outcome) => outcomeToJson(outcome, base64)),
  );
}

function matchRoute(pathname: string): Route | undefined {
  if (pathname === "/" || pathname === "") return { kind: "command" };
  if (pathname === "/pipeline") return { kind: "pipeline" };
  if (pathname === "/multi-exec") return { kind: "multi-exec" };
  const match = /^\/(p?)subscribe\/(.+)$/.exec(pathname);
  if (!match?.[2]) return undefined;
  let target: string;
  try {
    target = decodeURIComponent(match[2]);
  } catch {
    throw new HttpError(400, "ERR the channel in the path is not valid percent-encoding");
  }
  return { kind: "subscribe", subscription: match[1] ? "pattern" : "channel", target };
}

/** Refused commands fail on their own, as Redis fails one bad command of a pipeline. */
async function runPipeline(backend: Backend, commands: Command[]): Promise<CommandOutcome[]> {
  const refused = new Map<number, string>();
  commands.forEach((command, index) => {
    try {
      assertCommandAllowed(command);
    } catch (error) {
      refused.set(index, (error as Error).message);
    }
  });
  const allowed = commands.filter((_, index) => !refused.has(index));
  const results = allowed.length > 0 ? await backend.pipeline(allowed) : [];
  let next = 0;
  return commands.map((_, index) => {
    const reason = refused.get(index);
    return reason !== undefined ? { error: reason } : (results[next++] ?? { error: "ERR missing reply" });
  });
}

function assertAllowedInTransaction(command: Command): void {
  try {
    assertCommandAllowed(command);
  } catch (error) {
    throw new CommandError(
      `EXECABORT Transaction discarded because of previous errors: ${(error as Error).message}`,
    );
  }
}

async function streamSubscription(
  deps: RequestHandlerDeps,
  response: ServerResponse,
  kind: SubscriptionKind,
  target: string,
): Promise<void> {
  const stream = new EventStream(response);
  let clientGone = false;
  let release: (() => void) | undefined;
  response.once("close", () => {
    clientGone = true;
    release?.();
  });
  const subscription = await deps.backend.subscribe(kind, target, (event) => stream.send(formatEvent(event)));
  let released = false;
  const releaseSubscription = () => {
    if (released) return;
    released = true;
    deps.openStreams.delete(releaseSubscription);
    stream.end();
    subscription.close().catch((error: unknown) => {
      deps.logger.warn("releasing a subscription failed", { target, error: String(error) });
    });
  };
  release = releaseSubscription;
  if (clientGone) return releaseSubscription();
  deps.openStreams.add(releaseSubscription);
  stream.open(`${kind === "channel" ? "subscribe" : "psubscribe"},${target},${subscription.count}`);
}

function formatEvent(event: PubSubEvent): string {
  const payload = singleLine(Buffer.from(event.payload).toString("utf8"));
  if (event.type === "message") return `message,${event.channel},${payload}`;
  return `pmessage,${event.pattern},${event.channel},${payload}`;
}

function respondWithError(response: ServerResponse, error: unknown, logger: GatewayLogger): void {
  // The client went away mid-request; there is nobody to answer.
  if (response.destroyed) return;
  if (error instanceof HttpError) {
    if (error.status === 413) response.setHeader("connection", "close");
    sendJson(response, error.status, { error: error.message });
  } else if (error instanceof BadRequestError || error instanceof CommandError) {
    sendJson(response, 400, { error: error.message });
  } else if (error instanceof BackendUnavailableError) {
    sendJson(response, 503, { error: error.message });
  } else {
    logger.warn("gateway request failed", { error: error instanceof Error ? error.stack : String(error) });
    sendJson(response, 500, { error: "ERR internal gateway error" });
  }
}
