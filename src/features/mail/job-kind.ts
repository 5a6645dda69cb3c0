export const MAIL_SEND = "mail.send" as const;
