import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { accountTokens } from "../../db/schema.ts";
import { randomToken, sha256Hex } from "../../lib/crypto.ts";
import { ValidationError } from "../../lib/errors.ts";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type AccountTokenPurpose = (typeof accountTokens.$inferSelect)["purpose"];
export type AccountTokenRow = typeof accountTokens.$inferSelect;

/** 256 random bits (ASVS 5.0 6.4.1 asks for at least 128 in a reset or activation secret). */
const TOKEN_BYTES = 32;
export const PASSWORD_RESET_TTL_MINUTES = 30;
export const EMAIL_VERIFICATION_TTL_HOURS = 48;
export const EMAIL_CHANGE_TTL_HOURS = 24;

/** A fresh token and what is stored of it: its SHA-256 (the token itself is mailed, never kept). */
export async function newToken(): Promise<{ token: string; tokenHash: string }> {
  const token = randomToken(TOKEN_BYTES);
  return { token, tokenHash: await sha256Hex(token) };
}

/** The one answer for a token that is unknown, expired, used or of another purpose. */
export function invalidToken(): ValidationError {
  return new ValidationError(
    [{ path: "body.token", message: "is invalid, expired or already used" }],
    "The link is invalid, expired or already used; ask for a new one.",
  );
}

export async function issueToken(
  tx: Tx,
  input: {
    userId: string;
    purpose: AccountTokenPurpose;
    expiresAt: Date;
    newEmail?: string;
    endSessions?: boolean;
  },
): Promise<{ token: string; id: string }> {
  const { token, tokenHash } = await newToken();
  const [row] = await tx
    .insert(accountTokens)
    .values({ ...input, tokenHash })
    .returning({ id: accountTokens.id });
  return { token, id: (row as { id: string }).id };
}

/** Ends the user's unused tokens of this purpose: only the newest link works. */
export async function retireTokens(tx: Tx, userId: string, purpose: AccountTokenPurpose): Promise<void> {
  await tx
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)),
    );
}

/** A live token, read only: lets a slow step (hashing) run before the transaction that consumes it. */
export async function findLiveToken(
  db: Database,
  purpose: AccountTokenPurpose,
  token: string,
  now: Date,
): Promise<AccountTokenRow | undefined> {
  const [row] = await db
    .select()
    .from(accountTokens)
    .where(liveToken(purpose, await sha256Hex(token), now))
    .limit(1);
  return row;
}

/**
 * Marks the token used and returns it, in one conditional update: of two requests presenting the
 * same token, exactly one gets the row (single use under concurrency).
 */
export async function consumeToken(
  tx: Tx,
  purpose: AccountTokenPurpose,
  token: string,
  now: Date,
): Promise<AccountTokenRow> {
  const [row] = await tx
    .update(accountTokens)
    .set({ usedAt: sql`now()` })
    .where(liveToken(purpose, await sha256Hex(token), now))
    .returning();
  if (!row) throw invalidToken();
  return row;
}

function liveToken(purpose: AccountTokenPurpose, tokenHash: string, now: Date) {
  return and(
    eq(accountTokens.tokenHash, tokenHash),
    eq(accountTokens.purpose, purpose),
    isNull(accountTokens.usedAt),
    gt(accountTokens.expiresAt, now),
  );
}

/** The frontend page a mailed link opens, with the token in its query. */
export function appLink(appUrl: string, page: string, token: string): string {
  const url = new URL(page, appUrl.endsWith("/") ? appUrl : `${appUrl}/`);
  url.searchParams.set("token", token);
  return url.toString();
}
