/**
 * Redis's glob-style matcher (util.c stringmatchlen) for KEYS, SCAN MATCH, PSUBSCRIBE and
 * PUBSUB CHANNELS: `*`, `?`, `[abc]`, `[^a-z]` and `\` escapes, compared byte by byte.
 */
export function globMatches(pattern: string, subject: string): boolean {
  return matchFrom(pattern, 0, subject, 0);
}

function matchFrom(pattern: string, p: number, subject: string, s: number): boolean {
  while (p < pattern.length) {
    const token = pattern[p];
    if (token === "*") {
      while (pattern[p + 1] === "*") p++;
      if (p + 1 === pattern.length) return true;
      for (let start = s; start <= subject.length; start++) {
        if (matchFrom(pattern, p + 1, subject, start)) return true;
      }
      return false;
    }
    if (s >= subject.length) return false;
    if (token === "?") {
      s++;
    } else if (token === "[") {
      const { matched, next } = matchClass(pattern, p + 1, subject.charCodeAt(s));
      if (!matched) return false;
      p = next;
      s++;
    } else {
      if (token === "\\" && p + 1 < pattern.length) p++;
      if (pattern[p] !== subject[s]) return false;
      s++;
    }
    p++;
  }
  return s === subject.length;
}

/** Matches one byte against a `[...]` class starting after the `[`; `next` is the index of the closing `]`. */
function matchClass(pattern: string, start: number, code: number): { matched: boolean; next: number } {
  let p = start;
  const negate = pattern[p] === "^";
  if (negate) p++;
  let matched = false;
  while (p < pattern.length && pattern[p] !== "]") {
    if (pattern[p] === "\\" && p + 1 < pattern.length) {
      p++;
      if (pattern.charCodeAt(p) === code) matched = true;
    } else if (pattern[p + 1] === "-" && p + 2 < pattern.length) {
      let low = pattern.charCodeAt(p);
      let high = pattern.charCodeAt(p + 2);
      if (low > high) [low, high] = [high, low];
      if (code >= low && code <= high) matched = true;
      p += 2;
    } else if (pattern.charCodeAt(p) === code) {
      matched = true;
    }
    p++;
  }
  // An unterminated class ends at the last pattern byte, as in Redis.
  return { matched: negate ? !matched : matched, next: Math.min(p, pattern.length - 1) };
}
