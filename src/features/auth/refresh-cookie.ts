import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Config } from "../../config/schema.ts";

export const REFRESH_COOKIE = "tix_refresh";
const COOKIE_PATH = "/v1/auth";

/** The refresh token, also as an httpOnly cookie scoped to the auth routes, for browser clients. */
export function setRefreshCookie(c: Context, config: Config, refreshToken: string): void {
  setCookie(c, REFRESH_COOKIE, refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
    maxAge: config.REFRESH_ABSOLUTE_TTL_SECONDS,
  });
}

export function clearRefreshCookie(c: Context): void {
  deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict" });
}

export function readRefreshCookie(c: Context): string | undefined {
  return getCookie(c, REFRESH_COOKIE);
}
