import type { Account } from '../../../shared/domain/account.js';
import type { EngineSettings } from '../../../shared/domain/config.js';
import { ImapSession } from '../imap/imapflow-session.js';
import type { Logger } from '../ports.js';

/**
 * Run `fn` on a short-lived connection of its own (the watchers' connections stay on their
 * mailboxes), logging out afterwards whatever happens. Connect failures reject with a
 * FailureError (see imap/errors.ts).
 */
export async function withSession<T>(
  account: Account,
  password: string,
  settings: EngineSettings,
  log: Logger,
  fn: (session: ImapSession) => Promise<T>,
): Promise<T> {
  const session = await ImapSession.create(account, password, settings, log);
  try {
    await session.connect();
    return await fn(session);
  } finally {
    await session.logout();
  }
}
