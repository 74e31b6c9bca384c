import type { CorpusMessage } from './corpus.js';

/** A header's first value, unfolded, straight from the raw bytes (independent of mailparser). */
export function rawHeader(raw: Buffer, name: string): string | undefined {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return m?.[1]?.trim();
}

/**
 * Where examples/demo-rules.yaml should put a corpus message, worked out independently of the
 * rule engine (plain string tests on the raw headers), so the tests check the engine against
 * something it did not compute itself.
 */
export function expectedFolder(m: CorpusMessage): string {
  const listId = rawHeader(m.raw, 'List-Id') ?? '';
  const listPost = rawHeader(m.raw, 'List-Post') ?? '';
  if (listId.toLowerCase().includes('exmh')) return 'Lists/exmh';
  if (/(spamassassin|razor)-[a-z]+\.example\.sourceforge\.net/.test(listId))
    return 'Lists/spamassassin';
  if (listId.toLowerCase().includes('fork.xent.com')) return 'Lists/fork';
  if (
    listId.toLowerCase().endsWith('freshrpms.net>') ||
    listPost.toLowerCase().includes('freshrpms')
  )
    return 'Lists/rpm';
  if (/\.linux\.ie>?$/.test(listId)) return 'Lists/linux-ie';
  return 'INBOX';
}

/** Messages with distinct Message-IDs (the corpus repeats a few), for exactly-once checks. */
export function distinctById(msgs: CorpusMessage[]): CorpusMessage[] {
  const seen = new Set<string>();
  return msgs.filter((m) => {
    const id = rawHeader(m.raw, 'Message-ID');
    if (!id || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A Message-ID compared loosely: no angle brackets, runs of white space as one space. */
export function normId(id: string | undefined): string {
  return (id ?? '').replace(/\s+/g, ' ').trim().replace(/^<|>$/g, '');
}

/** The corpus message's Message-ID, normalized like {@link normId}. */
export function idOf(m: CorpusMessage): string {
  return normId(rawHeader(m.raw, 'Message-ID'));
}

/** Where each message is on the server, by normalized Message-ID → the mailboxes holding it. */
export async function serverLocations(
  d: { listMessages(user: string, mailbox: string): Promise<{ messageId?: string }[]> },
  user: string,
  mailboxes: readonly string[],
): Promise<Map<string, string[]>> {
  const where = new Map<string, string[]>();
  for (const box of mailboxes) {
    for (const m of await d.listMessages(user, box)) {
      const id = normId(m.messageId);
      where.set(id, [...(where.get(id) ?? []), box]);
    }
  }
  return where;
}

/**
 * The server as judge of the demo rules: each message lost (nowhere), twice (in more than one
 * mailbox), or misplaced (not where expectedFolder says).
 */
export function auditSorting(
  msgs: readonly CorpusMessage[],
  where: Map<string, string[]>,
): { lost: number; twice: number; misplaced: number } {
  let lost = 0;
  let twice = 0;
  let misplaced = 0;
  for (const m of msgs) {
    const at = where.get(idOf(m)) ?? [];
    if (at.length === 0) lost++;
    else if (at.length > 1) twice++;
    else if (at[0] !== expectedFolder(m)) misplaced++;
  }
  return { lost, twice, misplaced };
}
