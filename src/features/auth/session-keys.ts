/** Redis key layout for sessions; one place so scripts and commands agree. */
export const sessionKey = (sessionId: string) => `tix:session:${sessionId}`;
export const userSessionsKey = (userId: string) => `tix:user-sessions:${userId}`;
export const usedRefreshKey = (tokenHash: string) => `tix:refresh-used:${tokenHash}`;

/**
 * Rotates a refresh token atomically. A token already used once revokes its whole family (the
 * session), per RFC 9700 §4.14.2, with one exception: the token rotated within the last grace
 * period, while its successor is still current, is answered again with that same successor (two
 * tabs of one browser refreshing at once), revoking nothing. Only the current token of a live
 * session rotates, and only within both lifetimes: idle (since the last rotation) and absolute.
 * KEYS: session, used-marker of the presented token. ARGV: presented hash, successor hash, now
 * (ms), idle lifetime (ms), session id, grace period (ms).
 */
export const ROTATE_REFRESH_SCRIPT = `
local session, usedMarker = KEYS[1], KEYS[2]
local presented, successor = ARGV[1], ARGV[2]
local now, idleMs, graceMs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
local fields = redis.call('HMGET', session, 'rth', 'absExp', 'uid', 'lastUsedAt')
local current, absoluteExpiry, userId = fields[1], tonumber(fields[2]), fields[3]
local lastUsedAt = tonumber(fields[4])
if redis.call('EXISTS', usedMarker) == 1 then
  if graceMs > 0 and current == successor and now - lastUsedAt < graceMs and now < absoluteExpiry then
    return {'rotated', userId}
  end
  redis.call('DEL', session)
  return {'reused'}
end
if not current or current ~= presented then return {'invalid'} end
if now >= absoluteExpiry or now >= lastUsedAt + idleMs then
  redis.call('DEL', session)
  return {'expired'}
end
local remaining = absoluteExpiry - now
redis.call('HSET', session, 'rth', successor, 'lastUsedAt', ARGV[3])
redis.call('PEXPIRE', session, math.min(idleMs, remaining))
redis.call('SET', usedMarker, ARGV[5], 'PX', remaining)
return {'rotated', userId}
`;
