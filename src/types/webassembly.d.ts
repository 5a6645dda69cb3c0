// The project compiles against lib ES2023 + @types/node, neither of which types WebAssembly, though
// Node and workerd both provide it. Only what the code uses is declared.
declare namespace WebAssembly {
  // An opaque compiled module; an interface so it merges with other partial declarations (esbuild's).
  // biome-ignore lint/suspicious/noEmptyInterface: opaque by design
  interface Module {}
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  function instantiate(module: Module, imports?: Record<string, unknown>): Promise<Instance>;
  /** Node only: workerd refuses to compile WebAssembly at run time. */
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
}

// Wrangler (and the Workers Vitest integration) turn `import x from "*.wasm"` into a compiled
// WebAssembly.Module, as Workers may not compile WebAssembly from bytes at run time.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
