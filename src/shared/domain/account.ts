import { z } from 'zod';

/**
 * Where an account's password comes from. Never the password itself: a command whose stdout is
 * the password (`pass show mail/work`), an environment variable, or (desktop app only) a secret
 * kept by the OS keychain under the account id.
 */
const passwordHelp =
  'give where the password comes from, not the password: { command: "pass show mail/work" } or { env: "SOLON_WORK_PASSWORD" }';
export const PasswordSource = z.union(
  [
    z.object({ command: z.string().min(1, 'the password command is empty') }).strict(),
    z
      .object({
        env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid environment variable name'),
      })
      .strict(),
    z.object({ keychain: z.literal(true) }).strict(),
  ],
  { error: passwordHelp },
);
export type PasswordSource = z.infer<typeof PasswordSource>;

export const TlsMode = z.enum(['implicit', 'starttls']);
export type TlsMode = z.infer<typeof TlsMode>;

/** An account id names a folder: well under any file system's 255-byte name limit. */
export const ACCOUNT_ID_MAX = 64;

export const Account = z
  .object({
    /** Stable id: names the account in status, logs and the data folder. */
    id: z
      .string()
      .max(ACCOUNT_ID_MAX, `at most ${ACCOUNT_ID_MAX} characters (it names a folder)`)
      .regex(/^[a-z0-9][a-z0-9_-]*$/i, 'use letters, digits, - and _ (it names a folder)'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    /** implicit: TLS from the first byte (993); starttls: upgrade a plain connection (143). */
    tls: TlsMode.default('implicit'),
    /** PEM file of a CA (or self-signed certificate) to trust in addition to the system's. */
    caFile: z.string().min(1).optional(),
    /**
     * Turn certificate verification off. Only for a server you control on a network you trust;
     * off by default and logged loudly when on.
     */
    insecureSkipVerify: z.boolean().default(false),
    user: z.string().min(1),
    password: PasswordSource,
    /** Mailboxes to watch; one IMAP connection each (IDLE covers only the selected mailbox). */
    mailboxes: z.array(z.string().min(1)).min(1).default(['INBOX']),
  })
  .strict();
export type Account = z.infer<typeof Account>;
export type AccountInput = z.input<typeof Account>;

export function accountPort(a: Pick<Account, 'port' | 'tls'>): number {
  return a.port ?? (a.tls === 'implicit' ? 993 : 143);
}
