import type { Redis } from "@upstash/redis";
import type { Config } from "../../config/schema.ts";
import { hmacSha256Base64url, importHmacKey, randomToken, sha256Hex } from "../../lib/crypto.ts";
import { ROTATE_REFRESH_SCRIPT, sessionKey, usedRefreshKey, userSessionsKey } from "./session-keys.ts";

/** 256 bits: well above RFC 9700's 128-bit floor for opaque refresh tokens. */
const REFRESH_SECRET_BYTES = 32;

export interface SessionMeta {
  userAgent: string;
  ip: string;
}

export interface StoredSession extends SessionMeta {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
}

export interface NewSession {
  sessionId: string;
  refreshToken: string;
}

export type RotationResult =
  | { outcome: "rotated"; userId: string; sessionId: string; refreshToken: string }
  | { outcome: "reused" | "invalid" | "expired" };

/** Sessions (one per login, one refresh-token family each) live in Redis only. */
export function createSessionStore(redis: Redis, config: Config) {
  const idleMs = config.REFRESH_IDLE_TTL_SECONDS * 1000;
  const absoluteMs = config.REFRESH_ABSOLUTE_TTL_SECONDS * 1000;
  const graceMs = config.REFRESH_REUSE_GRACE_SECONDS * 1000;
  const rotateScript = redis.createScript<[string, string?]>(ROTATE_REFRESH_SCRIPT);
  // A key of its own for successors, derived from the server secret under its own label.
  const successorKey = importHmacKey(`refresh-successor:${config.JWT_SECRET}`);

  /**
   * A token's successor is derived from it (HMAC under a server key: 256 bits no one else can
   * compute) rather than drawn at random, so a second presentation within the grace period gets
   * the very same successor, which Redis thus never has to hold in clear.
   */
  const successorOf = async (sessionId: string, refreshToken: string) =>
    `${sessionId}.${await hmacSha256Base64url(await successorKey, refreshToken)}`;

  return {
    async create(userId: string, meta: SessionMeta, now: Date): Promise<NewSession> {
      const sessionId = crypto.randomUUID();
      const refreshToken = `${sessionId}.${randomToken(REFRESH_SECRET_BYTES)}`;
      const at = now.getTime();
      const transaction = redis.multi();
      transaction.hset(sessionKey(sessionId), {
        uid: userId,
        rth: await sha256Hex(refreshToken),
        createdAt: at,
        lastUsedAt: at,
        absExp: at + absoluteMs,
        ua: meta.userAgent.slice(0, 256),
        ip: meta.ip,
      });
      transaction.pexpire(sessionKey(sessionId), Math.min(idleMs, absoluteMs));
      transaction.sadd(userSessionsKey(userId), sessionId);
      transaction.pexpire(userSessionsKey(userId), absoluteMs);
      await transaction.exec();
      return { sessionId, refreshToken };
    },

    async rotate(refreshToken: string, now: Date): Promise<RotationResult> {
      const sessionId = sessionIdOf(refreshToken);
      if (!sessionId) return { outcome: "invalid" };
      const replacement = await successorOf(sessionId, refreshToken);
      const presentedHash = await sha256Hex(refreshToken);
      const [outcome, userId] = await rotateScript.exec(
        [sessionKey(sessionId), usedRefreshKey(presentedHash)],
        [
          presentedHash,
          await sha256Hex(replacement),
          String(now.getTime()),
          String(idleMs),
          sessionId,
          String(graceMs),
        ],
      );
      if (outcome === "rotated" && userId) return { outcome, userId, sessionId, refreshToken: replacement };
      return { outcome: outcome === "reused" || outcome === "expired" ? outcome : "invalid" };
    },

    /**
     * The session a refresh token was really issued for: its current token, or one it used
     * before (replayed, which the rotation then answers). Null for a token whose secret does not
     * match, whatever session id it names.
     */
    async sessionProvenBy(refreshToken: string): Promise<string | null> {
      const sessionId = sessionIdOf(refreshToken);
      if (!sessionId) return null;
      const presentedHash = await sha256Hex(refreshToken);
      const pipeline = redis.pipeline();
      pipeline.hget(sessionKey(sessionId), "rth");
      pipeline.get(usedRefreshKey(presentedHash));
      const [current, usedBy] = await pipeline.exec<[string | null, string | null]>();
      return current === presentedHash || usedBy === sessionId ? sessionId : null;
    },

    /** The user a live session belongs to, or null once it has ended. */
    async ownerOf(sessionId: string): Promise<string | null> {
      return redis.hget<string>(sessionKey(sessionId), "uid");
    },

    async list(userId: string): Promise<StoredSession[]> {
      const ids = await redis.smembers(userSessionsKey(userId));
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(sessionKey(id));
      const rows = await pipeline.exec<(Record<string, unknown> | null)[]>();
      const sessions: StoredSession[] = [];
      const ended: string[] = [];
      rows.forEach((row, index) => {
        const id = ids[index] as string;
        if (row && row.uid === userId) sessions.push(toStoredSession(id, row));
        else ended.push(id);
      });
      if (ended.length > 0) await redis.srem(userSessionsKey(userId), ...ended);
      return sessions.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
    },

    /** Ends one of the user's sessions; false when it is not theirs or already over. */
    async revoke(userId: string, sessionId: string): Promise<boolean> {
      if ((await redis.hget<string>(sessionKey(sessionId), "uid")) !== userId) return false;
      const pipeline = redis.pipeline();
      pipeline.del(sessionKey(sessionId));
      pipeline.srem(userSessionsKey(userId), sessionId);
      const [deleted] = await pipeline.exec<[number, number]>();
      return deleted === 1;
    },

    /**
     * Ends the session whose current refresh token this is, whoever owns it. Only the current
     * token proves possession: a used, forged or foreign-looking one ends nothing.
     */
    async endByRefreshToken(refreshToken: string): Promise<boolean> {
      const sessionId = sessionIdOf(refreshToken);
      if (!sessionId) return false;
      const fields = await redis.hmget<{ uid: string; rth: string }>(sessionKey(sessionId), "uid", "rth");
      if (!fields?.uid || fields.rth !== (await sha256Hex(refreshToken))) return false;
      const pipeline = redis.pipeline();
      pipeline.del(sessionKey(sessionId));
      pipeline.srem(userSessionsKey(fields.uid), sessionId);
      const [deleted] = await pipeline.exec<[number, number]>();
      return deleted === 1;
    },

    /** Ends every session of the user except `keepSessionId`; returns how many ended. */
    async revokeAll(userId: string, keepSessionId?: string): Promise<number> {
      const ids = (await redis.smembers(userSessionsKey(userId))).filter((id) => id !== keepSessionId);
      if (ids.length === 0) return 0;
      const pipeline = redis.pipeline();
      pipeline.del(...ids.map(sessionKey));
      pipeline.srem(userSessionsKey(userId), ...ids);
      const [deleted] = await pipeline.exec<[number, number]>();
      return deleted;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

export function sessionIdOf(refreshToken: string): string | null {
  const [sessionId, secret, ...rest] = refreshToken.split(".");
  const wellFormed = rest.length === 0 && secret && /^[0-9a-f-]{36}$/.test(sessionId ?? "");
  return wellFormed ? (sessionId as string) : null;
}

function toStoredSession(id: string, row: Record<string, unknown>): StoredSession {
  return {
    id,
    userId: String(row.uid),
    createdAt: new Date(Number(row.createdAt)),
    lastUsedAt: new Date(Number(row.lastUsedAt)),
    userAgent: String(row.ua ?? ""),
    ip: String(row.ip ?? ""),
  };
}
