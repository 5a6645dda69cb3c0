/**
 * The features added to the ticket write path since the first benchmarks (issue 15, item 6), each
 * as the modules a bench-only build of the API swaps for a stub without it. The shipped bundle is
 * never changed: these builds exist only so that the same run can measure what each feature costs.
 */
export interface WritePathFeature {
  name: string;
  /** What the stub leaves out. */
  without: string;
  /** Real module (from the repository root) → the stub that replaces it. */
  stubs: Record<string, string>;
}

export const WRITE_PATH_FEATURES: WritePathFeature[] = [
  {
    name: "webhooks",
    without: "the fan-out of committed events into deliveries (after commit and in the relay)",
    stubs: { "src/features/webhooks/fanout.ts": "bench/ablations/webhooks-fanout.ts" },
  },
  {
    name: "notifications and mail",
    without:
      "watchers, mentions, notifications, their live events and the mail they queue (in the write's transaction)",
    stubs: {
      "src/features/tickets/notices.ts": "bench/ablations/tickets-notices.ts",
      "src/features/notifications/live.ts": "bench/ablations/notifications-live.ts",
    },
  },
];
