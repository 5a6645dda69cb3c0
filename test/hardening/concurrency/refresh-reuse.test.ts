import { describe, expect, it } from "vitest";
import { createUser, freshIp, login, type Session } from "../../support/factories.ts";
import { racesAreReal } from "../../support/races.ts";
import { burst, countBy, expectProblem, readReply, sendJson, useLoadedApp } from "./support.ts";

// The default limits: 25 refreshes of one session stay under RATE_LIMIT_REFRESH (30 a minute).
// Without the reuse grace period, every presentation after the first is reuse; with it (the
// default), they are the same client's concurrent refreshes.
const loaded = useLoadedApp({ REFRESH_REUSE_GRACE_SECONDS: "0" });
const withGrace = useLoadedApp({});
const RACERS = 25;

/**
 * One refresh token presented 25 times at once (a client that forgot to queue its 401s, or a
 * thief racing the owner). Rotation is one Lua script (src/features/auth/session-keys.ts), so
 * Redis runs the presentations one after another: the first rotates (200), and each later one
 * finds the token already used, which per RFC 9700 §4.14.2 and the README ends the whole family
 * (that session): 401 `invalid_refresh_token`. Exactly one 200, then, not merely at most one.
 * Afterwards the winner's new refresh token and its access token are dead, and so is the
 * session's original access token; the user's other session (another family) lives on.
 *
 * Fails if reuse stops revoking (the `EXISTS usedMarker` branch of ROTATE_REFRESH_SCRIPT
 * removed: the losers still get 401, but nothing is detected and the winner's tokens keep
 * working; checked once), or if rotation stops being atomic (several 200s).
 */
describe.runIf(racesAreReal())(
  "concurrent refreshes of one refresh token, REFRESH_REUSE_GRACE_SECONDS=0",
  () => {
    it("one 200, the rest 401, and the session family is revoked as documented", async () => {
      const { ctx, server } = loaded;
      const user = await createUser(ctx);
      const racing = await login(ctx, user);
      const otherDevice = await login(ctx, user);
      const reuseWarnings = () => ctx.logs.filter((line) => line.reason === "refresh_token_reuse").length;
      const warningsBefore = reuseWarnings();

      const replies = await burst(
        server,
        Array.from(
          { length: RACERS },
          () => () =>
            sendJson(
              server,
              "POST",
              "/v1/auth/refresh",
              null,
              { refreshToken: racing.refreshToken },
              {
                "X-Forwarded-For": freshIp(),
              },
            ),
        ),
      );

      expect(countBy(replies, (reply) => String(reply.status))).toEqual({ 200: 1, 401: RACERS - 1 });
      for (const loser of replies.filter((reply) => reply.status === 401)) {
        expectProblem(loser, 401, "invalid_refresh_token");
        expect(loser.headers.get("Set-Cookie")).toMatch(/tix_refresh=;.*Max-Age=0/);
      }
      expect(reuseWarnings() - warningsBefore).toBe(RACERS - 1);
      const winner = replies.find((reply) => reply.status === 200)?.body as Session;

      const refreshWith = async (refreshToken: string) =>
        readReply(
          await sendJson(
            server,
            "POST",
            "/v1/auth/refresh",
            null,
            { refreshToken },
            { "X-Forwarded-For": freshIp() },
          ),
        );
      const me = async (accessToken: string) =>
        readReply(await server.request("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } }));

      expectProblem(await refreshWith(winner.refreshToken), 401, "invalid_refresh_token");
      expectProblem(await me(winner.accessToken), 401, "invalid_token");
      expectProblem(await me(racing.accessToken), 401, "invalid_token");

      expect((await me(otherDevice.accessToken)).status).toBe(200);
      const sessions = await readReply(
        await server.request("/v1/auth/sessions", { headers: otherDevice.headers }),
      );
      expect(sessions.body.data).toHaveLength(1);
      expect(sessions.body.data[0].current).toBe(true);
      expect((await refreshWith(otherDevice.refreshToken)).status).toBe(200);
    });
  },
);

/**
 * The same race with the default grace period: the rotation script answers every presentation
 * after the first, within the period, with the one successor it already stored. Fails if the
 * grace branch of ROTATE_REFRESH_SCRIPT goes (24 × 401, family revoked) or if successors stop
 * being derived from the token they replace (several different tokens, all but one dead).
 */
describe.runIf(racesAreReal())("concurrent refreshes of one refresh token, default grace period", () => {
  it("all 200 with one and the same successor, which goes on rotating; nothing revoked", async () => {
    const { ctx, server } = withGrace;
    const racing = await login(ctx, await createUser(ctx));
    const reuseWarnings = () => ctx.logs.filter((line) => line.reason === "refresh_token_reuse").length;
    const warningsBefore = reuseWarnings();

    const replies = await burst(
      server,
      Array.from(
        { length: RACERS },
        () => () =>
          sendJson(
            server,
            "POST",
            "/v1/auth/refresh",
            null,
            { refreshToken: racing.refreshToken },
            { "X-Forwarded-For": freshIp() },
          ),
      ),
    );

    expect(countBy(replies, (reply) => String(reply.status))).toEqual({ 200: RACERS });
    const successors = new Set(replies.map((reply) => (reply.body as Session).refreshToken));
    expect(successors.size).toBe(1);
    expect(reuseWarnings()).toBe(warningsBefore);
    const next = await readReply(
      await sendJson(
        server,
        "POST",
        "/v1/auth/refresh",
        null,
        { refreshToken: [...successors][0] },
        { "X-Forwarded-For": freshIp() },
      ),
    );
    expect(next.status).toBe(200);
  });
});
