import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const FROM_SOURCE = ["--import", "tsx", "src/node.ts"];
export const BUNDLED = ["dist/node.mjs"]; // what `npm start` and the Docker image run

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface StartedDoor {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the real Node door (src/node.ts or its bundle) as a child process with only `env`. */
export function startNodeDoor(env: Record<string, string>, entry = FROM_SOURCE): StartedDoor {
  let output = "";
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitForListening(started: StartedDoor, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes('"msg":"listening"')) {
    if (Date.now() > deadline) throw new Error(`server did not start:\n${started.output()}`);
    if (started.child.exitCode !== null) throw new Error(`server exited:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
