/**
 * OWASP's argon2id profile (m=19 MiB, t=2, p=1), written out explicitly so both runtimes hash
 * with the same cost whatever a library's defaults become.
 */
export const ARGON2ID_PARAMS = {
  memoryKiB: 19_456,
  iterations: 2,
  parallelism: 1,
  hashLength: 32,
  saltLength: 16,
} as const;
