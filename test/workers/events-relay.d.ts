// support/cloudflare-modules.d.ts declares what the other suites use from "cloudflare:test"; the
// events relay suite also needs the plugin's scheduled-event helper (see
// @cloudflare/vitest-plugin types/cloudflare-test.d.ts). Ambient declarations of a module merge.
declare module "cloudflare:test" {
  /** A `ScheduledController` for calling a Worker's `scheduled()` handler directly. */
  export function createScheduledController(options?: {
    scheduledTime?: Date | number;
    cron?: string;
  }): import("@cloudflare/workers-types").ScheduledController;
}
