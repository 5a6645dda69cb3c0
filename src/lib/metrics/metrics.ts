export type Dependency = "postgres" | "redis";
export type RateLimitDecision = "allowed" | "limited" | "skipped";
export type JobRunOutcome = "done" | "retry" | "failed";

/**
 * What the app reports about itself. Each runtime's door picks the implementation: a Prometheus
 * registry on Node, Workers Analytics Engine when its binding is configured, otherwise nothing.
 * Every method is synchronous and cheap: they are called on the request path.
 */
export interface Metrics {
  /** A response is ready. `route` is the matched route's template (`/v1/tickets/:id`), never the raw path. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** One round trip to a dependency finished; `ok` is false when the dependency failed to answer. */
  dependencyCall(dependency: Dependency, seconds: number, ok: boolean): void;
  rateLimitDecision(policy: string, decision: RateLimitDecision): void;
  /** Events just published, each with the seconds from its outbox insert to its publish. */
  eventsPublished(lagSeconds: readonly number[]): void;
  /** Outbox events still unpublished after a relay pass. */
  eventRelayBacklog(unpublished: number): void;
  /** One webhook HTTP attempt: its outcome and how long the receiver took. */
  webhookAttempt(outcome: "succeeded" | "failed", seconds: number): void;
  /** A webhook delivered: seconds from its event's commit (or the ping's creation) to the receiver's 2xx. */
  webhookDelivered(lagSeconds: number): void;
  /** Webhook deliveries not yet succeeded or failed for good, after a fan-out pass. */
  webhookBacklog(pending: number): void;
  /** A job started, `waitedSeconds` after it became due (commit → start when it was due at once). */
  jobStarted(kind: string, waitedSeconds: number): void;
  /** A job run ended; `failed` includes retries exhausted. `seconds` is the handler's run time. */
  jobRun(kind: string, outcome: JobRunOutcome, seconds: number): void;
  /** Pending jobs after a maintenance pass: `due` could run now, `pending` includes scheduled ones. */
  jobBacklog(due: number, pending: number): void;
}

export const noMetrics: Metrics = {
  httpRequest() {},
  dependencyCall() {},
  rateLimitDecision() {},
  eventsPublished() {},
  eventRelayBacklog() {},
  webhookAttempt() {},
  webhookDelivered() {},
  webhookBacklog() {},
  jobStarted() {},
  jobRun() {},
  jobBacklog() {},
};

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** A client may send any method token; anything else is one label value, so cardinality stays bounded. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "OTHER";
}
