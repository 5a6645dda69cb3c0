/** Every rate-limit policy at a ceiling no run reaches: the limiter still runs on every request, but never trips. */
export function unlimitedRateLimits(): Record<string, string> {
  const unlimited = "1000000000/60";
  return Object.fromEntries(
    ["LOGIN", "REGISTER", "REFRESH", "READ", "WRITE", "ANONYMOUS"].map((name) => [
      `RATE_LIMIT_${name}`,
      unlimited,
    ]),
  );
}
