import type { Deps } from "../../deps.ts";
import { ValidationError } from "../../lib/errors.ts";
import { TOO_COMMON_MESSAGE } from "./password-policy.ts";

/**
 * The network half of the password policy (the local list runs in the schema): a password known
 * from breaches is refused exactly like a common one, with the same field error.
 */
export async function refuseBreachedPassword(deps: Deps, password: string, field: string): Promise<void> {
  if (await deps.breachedPasswords.isBreached(password)) {
    throw new ValidationError([{ path: field, message: TOO_COMMON_MESSAGE }]);
  }
}
