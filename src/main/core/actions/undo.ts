import type { ImapFlow } from 'imapflow';
import type { Account } from '../../../shared/domain/account.js';
import type { ActivityEntry } from '../../../shared/domain/activity.js';
import type { EngineSettings } from '../../../shared/domain/config.js';
import { ImapSession } from '../imap/imapflow-session.js';
import type { Logger } from '../ports.js';

/**
 * Reverse what an activity entry did, on a short-lived connection of its own (the watchers'
 * connections stay on their mailboxes). Steps run newest first: flags are taken off where the
 * message is now, then it is moved back.
 */
export async function undoEntry(
  account: Account,
  password: string,
  settings: EngineSettings,
  entry: ActivityEntry,
  log: Logger,
): Promise<void> {
  if (entry.result !== 'done')
    throw new Error(`nothing to undo: the entry's result is "${entry.result}"`);
  const session = await ImapSession.create(account, password, settings, log);
  await session.connect();
  const client = session.client;
  try {
    const moved = entry.undo.find((s) => s.type === 'moved');
    const where = moved?.to ?? entry.mailbox;
    await client.mailboxOpen(where);
    const uid = await locate(
      client,
      moved
        ? { uid: moved.uid, uidValidity: moved.uidValidity }
        : { uid: entry.uid, uidValidity: entry.uidValidity },
      entry.messageId,
    );
    if (uid === undefined) throw new Error(`the message is no longer in "${where}"`);
    for (const step of [...entry.undo].reverse()) {
      switch (step.type) {
        case 'flags-added':
          await client.messageFlagsRemove(String(uid), step.flags, { uid: true });
          break;
        case 'flags-removed':
          await client.messageFlagsAdd(String(uid), step.flags, { uid: true });
          break;
        case 'labels-added':
          await client.messageFlagsRemove(String(uid), step.labels, { uid: true, useLabels: true });
          break;
        case 'copied': {
          await client.mailboxOpen(step.to);
          const copy = await locate(client, step, entry.messageId);
          if (copy !== undefined) {
            await client.messageFlagsAdd(String(copy), ['\\Deleted'], { uid: true });
            if (client.capabilities.has('UIDPLUS'))
              await client.messageDelete(String(copy), { uid: true });
          }
          await client.mailboxOpen(where);
          break;
        }
        case 'moved':
          break; // last, below
        default: {
          const never: never = step;
          throw new Error(`unknown undo step ${JSON.stringify(never)}`);
        }
      }
    }
    if (moved) {
      const ok = await client.messageMove(String(uid), moved.from, { uid: true });
      if (!ok) throw new Error(`could not move the message back to "${moved.from}"`);
    }
  } finally {
    await session.logout();
  }
}

/** The message's UID in the selected mailbox: by UID when UIDVALIDITY still matches, else by Message-ID. */
async function locate(
  client: ImapFlow,
  at: { uid?: number; uidValidity?: string },
  messageId: string | undefined,
): Promise<number | undefined> {
  const box = client.mailbox;
  if (at.uid !== undefined && box && at.uidValidity === box.uidValidity.toString()) {
    const hit = await client.search({ uid: String(at.uid) }, { uid: true });
    if (hit && hit.includes(at.uid)) return at.uid;
  }
  if (!messageId) return undefined;
  const hits = await client.search({ header: { 'message-id': messageId } }, { uid: true });
  return hits && hits.length ? hits[hits.length - 1] : undefined;
}
