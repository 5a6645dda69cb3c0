/**
 * The mail service refused this message for good (a malformed address, a rejected sender): the
 * job fails at once instead of retrying. Network errors and 5xx answers are not refusals.
 */
export class MailRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MailRefusedError";
  }
}
