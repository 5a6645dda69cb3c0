// Bench-only build (bench/write-path-budgets.ts): a ticket write without watchers, mentions,
// notifications and the mail they queue. Reads keep the real mentionsOfTicket.
export * from "../../src/features/tickets/notices.ts";

export async function noticeTicketChange() {
  return { notificationIds: [] as string[], mailQueued: false };
}
