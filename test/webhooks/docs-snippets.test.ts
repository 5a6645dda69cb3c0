import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningSecret, signedHeaders } from "../../src/features/webhooks/signing.ts";
import type { JobLoop } from "../../src/node/job-loop.ts";
import { reportTicket } from "../support/factories/tickets.ts";
import { signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createEndpoint, deliveryLoop, eventually } from "./support.ts";

const root = new URL("../../", import.meta.url);
const doc = readFileSync(new URL("docs/WEBHOOKS.md", root), "utf8");

/** The fenced block of `language` that follows the paragraph starting with `lead`. */
function snippet(lead: string, language: string): string {
  const after = doc.split(lead)[1] ?? "";
  const block = after.match(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``))?.[1];
  if (!block) throw new Error(`no ${language} snippet after "${lead}"`);
  return block;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("docs/WEBHOOKS.md: the Node receiver snippet", () => {
  let ctx: TestContext;
  let loop: JobLoop;
  let receiver: ChildProcess;
  let output = "";
  const file = new URL(`node_modules/.webhooks-snippet-${randomUUID()}.mjs`, root);

  beforeAll(async () => {
    ctx = await createTestContext({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", TRUST_PROXY: "true" } });
  });
  afterAll(async () => {
    receiver?.kill();
    await loop?.stop();
    rmSync(file, { force: true });
    await ctx.close();
  });

  it("verifies a real delivery with standardwebhooks and refuses a forged one", async () => {
    const admin = (await signedIn(ctx, "admin")).session;
    const port = await freePort();
    const endpoint = await createEndpoint(ctx, admin, {
      url: `http://127.0.0.1:${port}/hooks`,
      eventTypes: ["ticket.created"],
    });
    const code = snippet("Node, with the `standardwebhooks` package:", "js");
    expect(code).toContain(".listen(3000)");
    writeFileSync(file, code.replace(".listen(3000)", `.listen(${port}, "127.0.0.1")`));
    receiver = spawn(process.execPath, [file.pathname], {
      env: { ...process.env, TIXGENIUS_WEBHOOK_SECRET: endpoint.secret },
    });
    receiver.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await eventually(async () => {
      const probe = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" }).catch(
        () => null,
      );
      return probe?.status === 400;
    });

    loop = deliveryLoop(ctx);
    const ticket = await reportTicket(ctx, admin, { title: "Seen by the snippet" });
    await eventually(async () => output.includes(ticket.id));
    expect(output).toMatch(new RegExp(`received evt_\\d+ ticket\\.created ${ticket.id}`));

    const body = JSON.stringify({ type: "ticket.created", ticketId: "forged" });
    const forged = await signedHeaders([generateSigningSecret()], "evt_1", new Date(), body);
    const refused = await fetch(`http://127.0.0.1:${port}/`, {
      method: "POST",
      headers: { ...forged },
      body,
    });
    expect(refused.status).toBe(400);
    expect(output).not.toContain("forged");
  });
});

describe("docs/WEBHOOKS.md: the Python snippet (standard library; PyPI's standardwebhooks is not installable here)", () => {
  const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : "python";
  const harness = `${snippet("Python, standard library only", "python")}
import json, sys
case = json.load(sys.stdin)
print(json.dumps(verify(case["secret"], case["headers"], case["body"].encode())))
`;
  const run = (secret: string, headers: Record<string, string>, body: string) => {
    const result = spawnSync(python, ["-c", harness], { input: JSON.stringify({ secret, headers, body }) });
    if (result.status !== 0) throw new Error(result.stderr.toString());
    return JSON.parse(result.stdout.toString()) as boolean;
  };

  it("accepts what the server signs, with either secret during a rotation", async () => {
    const [previous, current] = [generateSigningSecret(), generateSigningSecret()];
    const body = JSON.stringify({ id: 7, type: "ticket.created", payload: { title: "Grüße" } });
    const headers = { ...(await signedHeaders([current, previous], "evt_7", new Date(), body)) };
    expect(run(current, headers, body)).toBe(true);
    expect(run(previous, headers, body)).toBe(true);
  });

  it("refuses another secret, a changed body and a stale timestamp", async () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({ id: 8, type: "ticket.updated" });
    const headers = { ...(await signedHeaders([secret], "evt_8", new Date(), body)) };
    expect(run(generateSigningSecret(), headers, body)).toBe(false);
    expect(run(secret, headers, body.replace("8", "9"))).toBe(false);
    const stale = { ...(await signedHeaders([secret], "evt_8", new Date(Date.now() - 600_000), body)) };
    expect(run(secret, stale, body)).toBe(false);
  });
});
