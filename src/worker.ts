import type { ExecutionContext } from "@cloudflare/workers-types";
import { createApp } from "./app.ts";
import { ConfigError } from "./config/parse.ts";
import { createLogger } from "./lib/logger.ts";
import { PROBLEM_CONTENT_TYPE } from "./lib/problem.ts";
import { parseWorkerConfig, type WorkerEnv } from "./worker/config.ts";
import { createWorkerDepsProvider } from "./worker/dependencies.ts";

type Handle = (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Response | Promise<Response>;

// workerd hands every request of an isolate the same env object, so it is parsed once per isolate;
// a new env (new deployment, another test) gets its own parse.
const handlers = new WeakMap<WorkerEnv, Handle>();

function handlerFor(env: WorkerEnv): Handle {
  let handle = handlers.get(env);
  if (!handle) {
    handle = buildHandler(env);
    handlers.set(env, handle);
  }
  return handle;
}

function buildHandler(env: WorkerEnv): Handle {
  try {
    const config = parseWorkerConfig(env);
    const logger = createLogger(config.LOG_LEVEL);
    const app = createApp(createWorkerDepsProvider(config, env, logger));
    return (request, requestEnv, ctx) => app.fetch(request, requestEnv, ctx);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message names the bad keys and why, never their values; it is logged once per isolate.
    createLogger("error").error("invalid configuration", { problems: error.problems });
    return refuseMisconfigured;
  }
}

/** Fails closed: with an invalid config every request is a 500 that reveals nothing of it. */
function refuseMisconfigured(request: Request): Response {
  const body = {
    type: "urn:tixgenius:problem:invalid_configuration",
    title: "Internal error",
    status: 500,
    detail: "The server's configuration is invalid.",
    instance: new URL(request.url).pathname,
    code: "invalid_configuration",
    requestId: crypto.randomUUID(),
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store" },
  });
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    return handlerFor(env)(request, env, ctx);
  },
};
