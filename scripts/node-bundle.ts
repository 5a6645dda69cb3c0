import { resolve } from "node:path";
import { build, type Plugin } from "esbuild";

/**
 * A Node entry point as one ESM file. Native and WASM packages stay external (they load files
 * beside themselves), as do fengari and maildev (only the development gateway and the development
 * mail catcher need them; maildev also serves its web page's files from its own folder).
 */
export async function bundleForNode(
  entry: string,
  outfile: string,
  options: { replace?: Record<string, string> } = {},
): Promise<number> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22.12",
    sourcemap: "linked",
    external: [
      "@node-rs/argon2",
      "@electric-sql/pglite",
      "@electric-sql/pglite-socket",
      "fengari",
      "maildev",
    ],
    // Bundled CommonJS dependencies still call require(); ESM has none of its own.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: "warning",
    plugins: options.replace ? [replaceModules(options.replace)] : [],
  });
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}

/**
 * Bench-only builds (bench/write-path-budgets.ts): every import of a module, except the stub's own,
 * resolves to its stub. Paths are relative to the repository root.
 */
function replaceModules(replace: Record<string, string>): Plugin {
  const stubs = new Map(Object.entries(replace).map(([real, stub]) => [resolve(real), resolve(stub)]));
  return {
    name: "replace-modules",
    setup(build) {
      build.onResolve({ filter: /\.ts$/ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        const stub = stubs.get(target);
        if (!stub || args.importer === stub) return undefined;
        return { path: stub };
      });
    },
  };
}
