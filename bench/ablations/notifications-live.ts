// Bench-only build (bench/write-path-budgets.ts): no `notification.created` events.
export * from "../../src/features/notifications/live.ts";

export async function recordNotificationEvents(): Promise<number[]> {
  return [];
}
