/**
 * Where an attachment's bytes live: the upload URL writes `uploads/…`; completion moves the bytes
 * to `attachments/…` before checking them, out of reach of the upload URL that stays valid until
 * it expires. (An S3 lifecycle rule on `uploads/` cleans what a late replay of that URL leaves.)
 */
export function uploadKeyOf(row: { ticketId: string; id: string }): string {
  return `uploads/${row.ticketId}/${row.id}`;
}

export function objectKeyOf(row: { ticketId: string; id: string }): string {
  return `attachments/${row.ticketId}/${row.id}`;
}
