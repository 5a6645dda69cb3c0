import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError, parseConfig } from "../../src/config/parse.ts";
import { ConfigSchema } from "../../src/config/schema.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

type Tree = Record<string, unknown>;

function tree(value: unknown, where: string): Tree {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where} should be a mapping`);
  }
  return value as Tree;
}

const compose = tree(parse(read("docker-compose.yml")), "docker-compose.yml");
const services = tree(compose.services, "services");
const service = (name: string) => tree(services[name], `services.${name}`);
const packageJson = JSON.parse(read("package.json")) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};
const APP_SERVICES = ["gateway", "migrate", "api"] as const;

/** Compose interpolation as `docker compose up` sees it from a clean shell with no .env file. */
function interpolate(raw: string, env: Record<string, string> = {}): string {
  return raw.replace(
    /\$(?:\$|\{(\w+)(?:(:?)([-?+])([^}]*))?\}|(\w+))/g,
    (match, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (match === "$$") return "$";
      const name = (braced ?? bare) as string;
      const value = env[name];
      const set = colon ? Boolean(value) : value !== undefined;
      if (op === "-") return set ? (value as string) : (arg as string);
      if (op === "+") return set ? (arg as string) : "";
      if (op === "?" && !set) throw new Error(`${name} must be set: ${arg}`);
      return value ?? "";
    },
  );
}

function environmentOf(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line: string) => [line.split("=")[0], line.slice(line.indexOf("=") + 1)])
    : Object.entries(tree(raw, `${name}.environment`)).map(([key, value]) => [key, String(value)]);
  return Object.fromEntries(entries);
}

function resolvedEnvironment(name: string): Record<string, string> {
  const env = environmentOf(name);
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, interpolate(value)]));
}

function dependsOn(name: string): Record<string, string> {
  const raw = service(name).depends_on ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((dep: string) => [dep, "service_started"]));
  return Object.fromEntries(
    Object.entries(tree(raw, `${name}.depends_on`)).map(([dep, spec]) => [
      dep,
      // compose-spec.json requires `condition` in the long syntax; a missing one fails as "undefined".
      String(tree(spec, `${name}.depends_on.${dep}`).condition),
    ]),
  );
}

function commandOf(value: unknown): string {
  return Array.isArray(value) ? value.join(" ") : String(value ?? "");
}

/** Container ports a service publishes, from short ("[ip:]host:container") or long syntax. */
function publishedContainerPorts(name: string): number[] {
  const ports = (service(name).ports ?? []) as unknown[];
  return ports.map((port) =>
    typeof port === "object" && port !== null
      ? Number((port as Tree).target)
      : Number(interpolate(String(port)).split("/")[0]?.split(":").at(-1)),
  );
}

function imageMajor(image: unknown): number {
  const tag = String(image).split(":")[1] ?? "";
  return Number.parseInt(tag, 10);
}

function npmScriptsIn(text: string): string[] {
  const names = [...text.matchAll(/\bnpm\s+(?:run|run-script)\s+([\w:.-]+)/g)].map((m) => m[1] as string);
  const lifecycle = [...text.matchAll(/\bnpm\s+(start|test|stop|restart)\b/g)].map((m) => m[1] as string);
  return [...names, ...lifecycle];
}

describe("docker-compose.yml", () => {
  it("follows the Compose Specification at the top level", () => {
    expect(compose).not.toHaveProperty("version");
    const allowed = ["name", "services", "networks", "volumes", "configs", "secrets", "include", "models"];
    for (const key of Object.keys(compose)) {
      expect(allowed.includes(key) || key.startsWith("x-"), `unknown top-level key ${key}`).toBe(true);
    }
  });

  it("runs PostgreSQL 17, Redis 7 and the app services", () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["postgres", "redis", ...APP_SERVICES]));
    expect(String(service("postgres").image)).toMatch(/^postgres:/);
    expect(imageMajor(service("postgres").image)).toBe(17);
    expect(String(service("redis").image)).toMatch(/^redis:/);
    expect(imageMajor(service("redis").image)).toBe(7);
  });

  it("keeps PostgreSQL data in a declared named volume at the path its major version uses", () => {
    const declared = Object.keys(tree(compose.volumes ?? {}, "volumes"));
    for (const [name, raw] of Object.entries(services)) {
      for (const mount of (tree(raw, name).volumes ?? []) as string[]) {
        const source = String(mount).split(":")[0] as string;
        if (!/^[./~]/.test(source))
          expect(declared, `${name} mounts undeclared volume ${source}`).toContain(source);
      }
    }
    const dataDir =
      imageMajor(service("postgres").image) >= 18 ? "/var/lib/postgresql" : "/var/lib/postgresql/data";
    const targets = ((service("postgres").volumes ?? []) as string[]).map((mount) => mount.split(":")[1]);
    expect(targets).toContain(dataDir);
  });

  it("health-checks PostgreSQL over TCP and Redis with a ping", () => {
    const testOf = (name: string) => commandOf(tree(service(name).healthcheck, `${name}.healthcheck`).test);
    // A socket check passes against the init-time temporary server that accepts no TCP yet.
    expect(testOf("postgres")).toMatch(/^CMD(-SHELL)? .*pg_isready .*(-h|--host)[ =]\S+/);
    expect(testOf("redis")).toMatch(/^CMD(-SHELL)? .*redis-cli( -\S+ \S+)* ping/);
  });

  it("depends only on existing services, with valid conditions each target can meet", () => {
    const conditions = ["service_started", "service_healthy", "service_completed_successfully"];
    for (const name of Object.keys(services)) {
      for (const [target, condition] of Object.entries(dependsOn(name))) {
        expect(Object.keys(services), `${name} depends on missing ${target}`).toContain(target);
        expect(conditions, `${name} -> ${target}`).toContain(condition);
        const spec = service(target);
        if (condition === "service_healthy") {
          expect(spec.healthcheck, `${target} needs a healthcheck`).toBeDefined();
          expect(tree(spec.healthcheck, target).disable).not.toBe(true);
        }
        if (condition === "service_completed_successfully") {
          expect(["always", "unless-stopped"], `${target} must be able to exit`).not.toContain(spec.restart);
        }
      }
    }
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      expect(visiting.has(name), `dependency cycle ${[...path, name].join(" -> ")}`).toBe(false);
      visiting.add(name);
      for (const target of Object.keys(dependsOn(name))) visit(target, [...path, name]);
      visiting.delete(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it("starts the API only after migrations succeeded, the gateway started and PostgreSQL is healthy", () => {
    expect(dependsOn("api")).toMatchObject({
      migrate: "service_completed_successfully",
      gateway: "service_started",
      postgres: "service_healthy",
    });
    expect(dependsOn("migrate")).toMatchObject({ postgres: "service_healthy" });
    expect(dependsOn("gateway")).toMatchObject({ redis: "service_healthy" });
  });

  it("runs every app service from the one image built from the Dockerfile", () => {
    const images = new Set(APP_SERVICES.map((name) => service(name).image));
    expect(images.size).toBe(1);
    for (const name of APP_SERVICES) {
      const build = service(name).build;
      const context = typeof build === "string" ? build : tree(build, `${name}.build`).context;
      const dockerfile =
        typeof build === "string" ? "Dockerfile" : String(tree(build, name).dockerfile ?? "Dockerfile");
      expect(existsSync(new URL(`${String(context).replace(/\/?$/, "/")}${dockerfile}`, root))).toBe(true);
    }
  });

  it("gives each app service its package script and names only scripts that exist", () => {
    expect(npmScriptsIn(commandOf(service("gateway").command))).toEqual(["gateway"]);
    expect(npmScriptsIn(commandOf(service("migrate").command))).toEqual(["db:migrate"]);
    expect(npmScriptsIn(commandOf(service("api").command))).toEqual(["start"]);
    const used = Object.values(services).flatMap((spec) =>
      npmScriptsIn(commandOf(tree(spec, "service").command)),
    );
    expect(used.length).toBeGreaterThan(0);
    for (const script of used) expect(Object.keys(packageJson.scripts)).toContain(script);
  });

  it("configures the API only with names the app's config knows, and the config accepts them", () => {
    const known = Object.keys(ConfigSchema.shape);
    const env = resolvedEnvironment("api");
    for (const key of Object.keys(env)) expect(known, `api sets unknown ${key}`).toContain(key);
    expect(env.NODE_ENV).toBe("development");
    expect(() => parseConfig(env)).not.toThrow();
    // The default secret must be one the config refuses outside development.
    const problems = (() => {
      try {
        parseConfig({ ...env, NODE_ENV: "production" });
        return [];
      } catch (error) {
        return error instanceof ConfigError ? error.problems.map((problem) => problem.split(":")[0]) : [];
      }
    })();
    expect(problems).toContain("JWT_SECRET");
    expect(interpolate(environmentOf("api").JWT_SECRET ?? "").length).toBeGreaterThanOrEqual(48);
  });

  it("wires the API to the compose PostgreSQL, and migrates that same database", () => {
    const pg = resolvedEnvironment("postgres");
    const url = new URL(resolvedEnvironment("api").DATABASE_URL ?? "");
    expect(url.hostname).toBe("postgres");
    expect(url.port || "5432").toBe("5432");
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      pg.POSTGRES_USER,
      pg.POSTGRES_PASSWORD,
      pg.POSTGRES_DB,
    ]);
    expect(resolvedEnvironment("migrate").DATABASE_URL).toBe(resolvedEnvironment("api").DATABASE_URL);
  });

  it("wires the API to the gateway and the gateway to Redis, with one shared token", () => {
    const gateway = resolvedEnvironment("gateway");
    for (const key of Object.keys(gateway)) {
      expect(["NODE_ENV", "GATEWAY_PORT", "GATEWAY_HOST", "UPSTASH_REDIS_REST_TOKEN", "REDIS_URL"]).toContain(
        key,
      );
    }
    const gatewayPort = gateway.GATEWAY_PORT ?? "8079";
    expect(gateway.GATEWAY_HOST).toBe("0.0.0.0");
    const redis = new URL(gateway.REDIS_URL ?? "");
    expect([redis.protocol, redis.hostname, redis.port || "6379"]).toEqual(["redis:", "redis", "6379"]);
    const api = resolvedEnvironment("api");
    const rest = new URL(api.UPSTASH_REDIS_REST_URL ?? "");
    expect([rest.hostname, rest.port || "80"]).toEqual(["gateway", gatewayPort]);
    expect(gateway.UPSTASH_REDIS_REST_TOKEN).toBeTruthy();
    expect(environmentOf("api").UPSTASH_REDIS_REST_TOKEN).toBe(
      environmentOf("gateway").UPSTASH_REDIS_REST_TOKEN,
    );
    expect(publishedContainerPorts("gateway")).toContain(Number(gatewayPort));
  });

  it("publishes and health-checks the port the API listens on", () => {
    const port = String(ConfigSchema.shape.PORT.parse(resolvedEnvironment("api").PORT));
    expect(publishedContainerPorts("api")).toContain(Number(port));
    const check = commandOf(tree(service("api").healthcheck, "api.healthcheck").test);
    expect(check).toContain(`:${port}/health`);
  });
});

describe("Dockerfile", () => {
  const lines = read("Dockerfile")
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const globalArgs = Object.fromEntries(
    lines
      .slice(
        0,
        lines.findIndex((line) => /^FROM\s/i.test(line)),
      )
      .flatMap((line) =>
        [...line.matchAll(/^ARG\s+(\w+)=(\S+)/gi)].map((m) => [m[1] as string, m[2] as string]),
      ),
  );
  type Stage = { name?: string; from: string; body: string[] };
  const stages: Stage[] = [];
  for (const line of lines) {
    const from = line.match(/^FROM\s+(?:--\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i);
    if (from) stages.push({ from: interpolate(from[1] as string, globalArgs), name: from[2], body: [] });
    else stages.at(-1)?.body.push(line);
  }
  const final = stages.at(-1) as Stage;
  const argsOf = (keyword: string, stage: Stage) =>
    stage.body
      .filter((line) => line.toUpperCase().startsWith(`${keyword} `))
      .map((line) => line.slice(keyword.length + 1));
  const execText = (args: string) => (args.startsWith("[") ? (JSON.parse(args) as string[]).join(" ") : args);

  it("is multi-stage on the Node major of .nvmrc", () => {
    expect(stages.length).toBeGreaterThan(1);
    const nvmrc = Number.parseInt(read(".nvmrc"), 10);
    for (const stage of stages.filter((s) => !stages.some((other) => other.name === s.from))) {
      expect(stage.from).toMatch(/^node:/);
      expect(Number.parseInt(stage.from.split(":")[1] ?? "", 10)).toBe(nvmrc);
    }
  });

  it("installs from the lockfile with the dev dependencies its entry points run on", () => {
    const installStage = stages.find((stage) => argsOf("RUN", stage).some((run) => /\bnpm ci\b/.test(run)));
    expect(installStage, "no stage runs npm ci").toBeDefined();
    const stage = installStage as Stage;
    const runs = argsOf("RUN", stage).join("\n");
    const copiedFirst = stage.body
      .slice(
        0,
        stage.body.findIndex((line) => /\bnpm ci\b/.test(line)),
      )
      .join("\n");
    expect(copiedFirst).toMatch(/^COPY .*package-lock\.json/m);
    const entryBinaries = ["start", "gateway", "db:migrate"].map(
      (s) => packageJson.scripts[s]?.split(" ")[0] ?? "",
    );
    if (entryBinaries.some((binary) => binary in packageJson.devDependencies)) {
      expect(runs).not.toMatch(/npm ci[^\n]*(--omit[= ]dev|--production|--only[= ]prod)/);
      const envBefore = argsOf("ENV", stage).join(" ");
      expect(envBefore).not.toMatch(/NODE_ENV[= ]"?production/);
    }
    const copiesModules = argsOf("COPY", final).some(
      (copy) => copy.includes(`--from=${stage.name}`) && copy.includes("node_modules"),
    );
    expect(copiesModules || stage === final).toBe(true);
  });

  it("runs as the non-root node user, exposes the app's port and starts a package script", () => {
    expect(argsOf("USER", final).at(-1)).toMatch(/^(node|1000)(:|$)/);
    expect(argsOf("EXPOSE", final).join(" ")).toContain(String(ConfigSchema.shape.PORT.parse(undefined)));
    const cmd = execText(argsOf("CMD", final).at(-1) ?? "");
    expect(npmScriptsIn(cmd)).toEqual(["start"]);
    const used = stages.flatMap((stage) =>
      ["RUN", "CMD", "ENTRYPOINT"].flatMap((k) => argsOf(k, stage).map(execText)),
    );
    for (const script of npmScriptsIn(used.join("\n")))
      expect(Object.keys(packageJson.scripts)).toContain(script);
  });

  it("keeps local state and secrets out of the build context, but not what the image runs", () => {
    const patterns = read(".dockerignore")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    for (const entry of [
      "node_modules",
      ".data",
      ".wrangler",
      ".git",
      ".dev.vars",
      ".env.*.local",
      "coverage",
    ]) {
      expect(patterns).toContain(entry);
    }
    expect(patterns.some((p) => /^\/?bench\/results\/?$/.test(p))).toBe(true);
    const toRegExp = (glob: string) =>
      new RegExp(
        `^${glob
          .replace(/^\/|\/$/g, "")
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*\*/g, "\0")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]")
          .replace(/\0/g, ".*")}$`,
      );
    const ignored = (path: string) => {
      const prefixes = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
      let result = false;
      for (const pattern of patterns) {
        const negated = pattern.startsWith("!");
        const re = toRegExp(negated ? pattern.slice(1) : pattern);
        if (prefixes.some((prefix) => re.test(prefix))) result = !negated;
      }
      return result;
    };
    for (const needed of ["package.json", "package-lock.json", ".npmrc", "tsconfig.json", "src/node.ts"]) {
      expect(ignored(needed), `${needed} must reach the image`).toBe(false);
    }
    for (const needed of ["src/gateway/main.ts", "scripts/db-migrate.ts", "drizzle/0000_init.sql"]) {
      expect(ignored(needed), `${needed} must reach the image`).toBe(false);
    }
    expect(ignored(".env.production.local")).toBe(true);
  });
});
