// Bench-only build (bench/write-path-budgets.ts): the webhooks feature without its fan-out, so
// committed events never become deliveries. Everything else the module exports is the real one.
export * from "../../src/features/webhooks/fanout.ts";

export async function fanOutQuietly(): Promise<void> {}
