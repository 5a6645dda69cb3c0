import type { AccessTokenClaims } from "./access-tokens.ts";

/**
 * Access tokens whose signature and claims were verified, by their exact text. A client sends the
 * same token with every request for its whole lifetime, and the HMAC check behind `jwtVerify` is
 * WebCrypto, which on Node runs on the thread pool: a hand-off and a wake-up per request, the
 * largest single CPU cost of a cached read (docs/BENCHMARKS.md, issue 15). A hit still has its
 * lifetime checked against the caller's clock; the session and the user are still checked per
 * request by `authenticate`. Any other text (a changed signature, claim or padding) misses and is
 * verified in full.
 */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  /** Seconds since the epoch, as in the token. */
  issuedAt: number;
  expiresAt: number;
}

/** Enough for every token live on one instance at 15-minute lifetimes; about 1 MB per 2,000. */
const CAPACITY = 10_000;

export class VerifiedTokenCache {
  readonly #tokens = new Map<string, VerifiedToken>();

  constructor(private readonly capacity = CAPACITY) {}

  /** The claims of a token verified before and still within `[iat - skew, exp + skew]` at `now`. */
  get(token: string, now: Date, skewSeconds: number): AccessTokenClaims | undefined {
    const entry = this.#tokens.get(token);
    if (!entry) return undefined;
    const seconds = now.getTime() / 1000;
    if (seconds >= entry.expiresAt + skewSeconds || entry.issuedAt > seconds + skewSeconds) {
      this.#tokens.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  remember(token: string, entry: VerifiedToken): void {
    if (this.#tokens.size >= this.capacity) {
      // Oldest first: Map keeps insertion order, and the oldest tokens expire first.
      const oldest = this.#tokens.keys().next().value;
      if (oldest !== undefined) this.#tokens.delete(oldest);
    }
    this.#tokens.set(token, entry);
  }

  get size(): number {
    return this.#tokens.size;
  }
}
