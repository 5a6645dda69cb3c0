import { createLogger } from "../lib/logger.ts";
import { type GatewayOptions, startGateway } from "./server.ts";

/**
 * `npm run gateway`: GATEWAY_PORT (8079), GATEWAY_HOST (127.0.0.1), UPSTASH_REDIS_REST_TOKEN
 * (required) and REDIS_URL (redis://127.0.0.1:6379, or `memory` for the in-process backend).
 */
const env = process.env;
const logger = createLogger("info");

const token = env.UPSTASH_REDIS_REST_TOKEN;
if (!token) {
  console.error(
    "UPSTASH_REDIS_REST_TOKEN is not set. The gateway only serves clients presenting this token; " +
      "set it to any secret string and give the same value to the app.",
  );
  process.exit(1);
}

const port = Number(env.GATEWAY_PORT ?? 8079);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`GATEWAY_PORT must be a port number, got ${JSON.stringify(env.GATEWAY_PORT)}`);
  process.exit(1);
}

const redisUrl = env.REDIS_URL ?? "redis://127.0.0.1:6379";
const backend: GatewayOptions["backend"] = redisUrl === "memory" ? "memory" : { redisUrl };
const gateway = await startGateway({ token, backend, port, host: env.GATEWAY_HOST ?? "127.0.0.1", logger });
logger.info("upstash gateway listening", {
  url: gateway.url,
  backend: backend === "memory" ? "memory" : "redis",
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    logger.info("upstash gateway shutting down", { signal });
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
