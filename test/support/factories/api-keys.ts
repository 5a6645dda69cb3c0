import { jsonRequest, type Session } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

/** A personal API key of the session's user, made through the API; returns its id and the key. */
export async function makeApiKey(
  ctx: TestContext,
  session: Session,
  scopes: string[] = ["tickets:read"],
): Promise<{ id: string; key: string }> {
  const response = await ctx.app.request(
    "/v1/api-keys",
    jsonRequest("POST", { name: `Key ${crypto.randomUUID().slice(0, 8)}`, scopes }, session.headers),
  );
  if (response.status !== 201) throw new Error(`api key failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; key: string };
}
