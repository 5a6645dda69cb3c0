/** Redis key layout for sessions; one place so scripts and commands agree. */
export const sessionKey = (sessionId: string) => `tix:session:${sessionId}`;
export const userSessionsKey = (userId: string) => `tix:user-sessions:${userId}`;
export const usedRefreshKey = (tokenHash: string) => `tix:refresh-used:${tokenHash}`;

/**
 * Rotates a refresh token atomically. A token already used once revokes its whole family (the
 * session), per RFC 9700 §4.14.2; only the current token of a live session rotates.
 * KEYS: session, used-marker of the presented token. ARGV: presented hash, new hash, now (ms),
 * idle lifetime (ms), session id.
 */
export const ROTATE_REFRESH_SCRIPT = `
local session, usedMarker = KEYS[1], KEYS[2]
local presented, replacement = ARGV[1], ARGV[2]
local now, idleMs = tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', usedMarker) == 1 then
  redis.call('DEL', session)
  return {'reused'}
end
local fields = redis.call('HMGET', session, 'rth', 'absExp', 'uid')
local current, absoluteExpiry, userId = fields[1], tonumber(fields[2]), fields[3]
if not current or current ~= presented then return {'invalid'} end
if now >= absoluteExpiry then
  redis.call('DEL', session)
  return {'expired'}
end
local remaining = absoluteExpiry - now
redis.call('HSET', session, 'rth', replacement, 'lastUsedAt', ARGV[3])
redis.call('PEXPIRE', session, math.min(idleMs, remaining))
redis.call('SET', usedMarker, ARGV[5], 'PX', remaining)
return {'rotated', userId}
`;
