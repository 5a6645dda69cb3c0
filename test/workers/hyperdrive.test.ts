import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Hyperdrive } from "@cloudflare/workers-types";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.ts";

describe("the Worker door with a Hyperdrive binding", () => {
  it("connects through Hyperdrive and ignores DATABASE_URL", async () => {
    const ctx = createExecutionContext();
    const withHyperdrive = {
      ...env,
      HYPERDRIVE: env.TEST_HYPERDRIVE as Hyperdrive,
      // Nothing listens here: readiness can only pass if the binding is what the Worker used.
      DATABASE_URL: "postgres://nobody@127.0.0.1:9/nothing",
    };

    const response = await worker.fetch(new Request("http://tixgenius.test/ready"), withHyperdrive, ctx);
    await waitOnExecutionContext(ctx);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ checks: { postgres: { status: "up" } } });
  });
});
