import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

type Tree = Record<string, unknown>;
type Step = { name?: string; uses?: string; run?: string; with?: Tree; env?: Tree };
type Job = {
  needs?: string | string[];
  if?: string;
  "runs-on"?: string;
  environment?: string | { name: string };
  concurrency?: string | { group: string; "cancel-in-progress"?: unknown };
  services?: Record<string, { image: string; env?: Tree; ports?: unknown[]; options?: string }>;
  env?: Tree;
  steps: Step[];
};

const workflowText = read(".github/workflows/ci.yml");
// YAML 1.2 (the `yaml` default) keeps `on` a string key, as GitHub reads it.
const workflow = parse(workflowText) as { on: Tree; permissions?: unknown; jobs: Record<string, Job> };
const jobs = workflow.jobs;
const packageJson = JSON.parse(read("package.json")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};

const DEPLOYS = [
  { job: "deploy-staging", environment: "staging", ref: "refs/heads/main" },
  { job: "deploy-production", environment: "production", ref: "refs/heads/production" },
] as const;
const DOCUMENTED_SECRETS = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "DATABASE_URL", "GITHUB_TOKEN"];

/** How a workflow spells a secret, e.g. `${{ secrets.DATABASE_URL }}`. */
const secretRef = (name: string) => `\${{ secrets.${name} }}`;
const needsOf = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());
const environmentOf = (job: Job) =>
  typeof job.environment === "object" ? job.environment.name : job.environment;
const secretsIn = (text: string) => [...text.matchAll(/\bsecrets\.(\w+)/g)].map((m) => m[1] as string);
const runs = (job: Job) => job.steps.map((step) => step.run ?? "");
const indexOfRun = (job: Job, pattern: RegExp) => job.steps.findIndex((step) => pattern.test(step.run ?? ""));

function npmScriptsIn(text: string): string[] {
  const names = [...text.matchAll(/\bnpm\s+(?:run|run-script)\s+([\w:.-]+)/g)].map((m) => m[1] as string);
  const lifecycle = [...text.matchAll(/\bnpm\s+(start|test|stop|restart)\b/g)].map((m) => m[1] as string);
  return [...names, ...lifecycle];
}

function publishedHostPort(job: Job, service: string, containerPort: number): number | undefined {
  for (const port of job.services?.[service]?.ports ?? []) {
    const [host, container] = String(port).split(":");
    if (Number(container ?? host) === containerPort) return Number(host);
  }
  return undefined;
}

describe(".github/workflows/ci.yml", () => {
  it("runs on pushes to every deploy branch and on pull requests", () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    const push = (workflow.on.push ?? {}) as { branches?: string[]; "branches-ignore"?: string[] };
    expect(push["branches-ignore"]).toBeUndefined();
    for (const { ref } of DEPLOYS) {
      const branch = ref.replace("refs/heads/", "");
      if (push.branches)
        expect(push.branches, `a push to ${branch} never starts the workflow`).toContain(branch);
    }
  });

  it("grants read-only contents by default", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(jobs)) {
      expect(JSON.stringify(job), `${name} asks for write access`).not.toMatch(
        /write-all|"contents":"write"/,
      );
    }
  });

  it("only needs jobs that exist, without cycles", () => {
    const visiting = new Set<string>();
    const visit = (name: string) => {
      expect(visiting.has(name), `needs cycle through ${name}`).toBe(false);
      visiting.add(name);
      for (const need of needsOf(jobs[name] as Job)) {
        expect(Object.keys(jobs), `${name} needs missing ${need}`).toContain(need);
        visit(need);
      }
      visiting.delete(name);
    };
    for (const name of Object.keys(jobs)) visit(name);
  });

  it("pins every action to a version", () => {
    const uses = Object.values(jobs).flatMap((job) => job.steps.flatMap((step) => step.uses ?? []));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w./-]+@\S+$/);
  });

  it("sets up the Node version of .nvmrc, which satisfies the engines range, in every job", () => {
    expect(existsSync(new URL(".nvmrc", root))).toBe(true);
    const minimum = packageJson.engines.node.match(/>=\s*(\d+)/)?.[1];
    expect(Number.parseInt(read(".nvmrc"), 10)).toBeGreaterThanOrEqual(Number(minimum));
    for (const [name, job] of Object.entries(jobs)) {
      const setup = job.steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
      expect(setup?.with, `${name} sets up Node`).toMatchObject({
        "node-version-file": ".nvmrc",
        cache: "npm",
      });
      expect(indexOfRun(job, /^npm ci\b/), `${name} installs from the lockfile`).toBeGreaterThan(-1);
    }
  });

  it("tests against PostgreSQL 17 and Redis 7 service containers that report health", () => {
    const test = jobs.test as Job;
    expect(test["runs-on"]).toBe("ubuntu-latest");
    expect(test.services?.postgres?.image).toMatch(/^postgres:17(\D|$)/);
    expect(test.services?.redis?.image).toMatch(/^redis:7(\D|$)/);
    for (const service of ["postgres", "redis"]) {
      expect(test.services?.[service]?.options, `${service} health`).toMatch(/--health-cmd\s+\S/);
    }
  });

  it("installs, type-checks, lints and tests, with the test database and Redis in the environment", () => {
    const test = jobs.test as Job;
    const install = indexOfRun(test, /^npm ci\b/);
    for (const script of [/^npm run typecheck$/, /^npm run lint$/, /^npm test$/]) {
      expect(indexOfRun(test, script), String(script)).toBeGreaterThan(install);
    }
    const testStep = test.steps[indexOfRun(test, /^npm test$/)] as Step;
    const env = { ...test.env, ...testStep.env } as Record<string, string>;
    const database = new URL(env.DATABASE_URL ?? "");
    const postgres = test.services?.postgres;
    expect(database.hostname).toBe("localhost");
    expect(Number(database.port)).toBe(publishedHostPort(test, "postgres", 5432));
    expect(database.username).toBe(String(postgres?.env?.POSTGRES_USER ?? "postgres"));
    expect(database.password).toBe(String(postgres?.env?.POSTGRES_PASSWORD));
    const redis = new URL(env.REDIS_URL ?? "");
    expect([redis.protocol, redis.hostname]).toEqual(["redis:", "localhost"]);
    expect(Number(redis.port)).toBe(publishedHostPort(test, "redis", 6379));
    expect(String(env.CI)).toBe("true");
  });

  it("gives the browser suite a Chrome, which it requires under CI=true", () => {
    const test = jobs.test as Job;
    const testStep = test.steps[indexOfRun(test, /^npm test$/)] as Step;
    const env = { ...test.env, ...testStep.env } as Record<string, string>;
    expect(env.CHROMIUM_PATH).toMatch(/^\/usr\/bin\/(google-chrome|chromium)/);
  });

  it("dry-runs the Workers bundle of both environments", () => {
    const commands = runs(jobs.test as Job).join("\n");
    for (const { environment } of DEPLOYS) {
      expect(commands).toMatch(new RegExp(`wrangler deploy --dry-run --env ${environment}\\b`));
    }
  });

  it.each(DEPLOYS)("gates $job to pushes of $ref after the tests, in environment $environment", (deploy) => {
    const job = jobs[deploy.job] as Job;
    expect(job, `${deploy.job} exists`).toBeDefined();
    expect(needsOf(job)).toContain("test");
    const condition = job.if ?? "";
    expect(condition).not.toMatch(/\|\||always\(\)|!cancelled\(\)/);
    expect(condition).toMatch(/github\.event_name == 'push'/);
    expect([...condition.matchAll(/github\.ref == '([^']+)'/g)].map((m) => m[1])).toEqual([deploy.ref]);
    expect(environmentOf(job)).toBe(deploy.environment);
    const concurrency = typeof job.concurrency === "string" ? { group: job.concurrency } : job.concurrency;
    expect(concurrency?.group).toContain(deploy.environment);
    expect(concurrency?.["cancel-in-progress"]).not.toBe(true);
  });

  it.each(DEPLOYS)("migrates the $environment database, then deploys its Worker", (deploy) => {
    const job = jobs[deploy.job] as Job;
    const migrate = indexOfRun(job, /^npm run db:migrate$/);
    expect(migrate).toBeGreaterThan(indexOfRun(job, /^npm ci\b/));
    expect(job.steps[migrate]?.env?.DATABASE_URL).toBe(secretRef("DATABASE_URL"));
    const wrangler = job.steps.findIndex((step) => step.uses?.startsWith("cloudflare/wrangler-action@"));
    expect(job.steps[wrangler]?.uses).toBe("cloudflare/wrangler-action@v3");
    expect(wrangler).toBeGreaterThan(migrate);
    expect(job.steps[wrangler]?.with).toEqual({
      apiToken: secretRef("CLOUDFLARE_API_TOKEN"),
      accountId: secretRef("CLOUDFLARE_ACCOUNT_ID"),
      command: `deploy --env ${deploy.environment}`,
    });
  });

  it("references only documented secrets, and the database only from a GitHub Environment", () => {
    const used = secretsIn(workflowText);
    expect(used.length).toBeGreaterThan(0);
    for (const secret of used) expect(DOCUMENTED_SECRETS).toContain(secret);
    expect(secretsIn(JSON.stringify(jobs.test))).toEqual([]);
    for (const [name, job] of Object.entries(jobs)) {
      if (secretsIn(JSON.stringify(job)).includes("DATABASE_URL")) {
        expect(environmentOf(job), `${name} reads DATABASE_URL outside an environment`).toBeDefined();
      }
    }
  });

  it("names only package scripts and tools the project declares", () => {
    const commands = Object.values(jobs).flatMap(runs).join("\n");
    const scripts = npmScriptsIn(commands);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(Object.keys(packageJson.scripts)).toContain(script);
    const declared = { ...packageJson.dependencies, ...packageJson.devDependencies };
    for (const [, tool] of commands.matchAll(/\bnpx\s+(?:--\S+\s+)*([\w@/.-]+)/g)) {
      expect(Object.keys(declared), `npx ${tool}`).toContain(tool);
    }
  });

  it("deploys only to wrangler environments that wrangler.toml defines", () => {
    const commands = Object.values(jobs)
      .flatMap((job) => job.steps.flatMap((step) => [step.run ?? "", String(step.with?.command ?? "")]))
      .join("\n");
    const used = new Set([...commands.matchAll(/--env[ =]([\w-]+)/g)].map((m) => m[1] as string));
    expect([...used].sort()).toEqual(["production", "staging"]);
    // wrangler.toml is another engineer's file; this fails until it defines both environments.
    const toml = read("wrangler.toml");
    const defined = new Set(
      [...toml.matchAll(/^\s*\[\[?\s*env\.([\w-]+)[\].]/gm)].map((m) => m[1] as string),
    );
    for (const environment of used)
      expect([...defined], `[env.${environment}] in wrangler.toml`).toContain(environment);
  });
});
