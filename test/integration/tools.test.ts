import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../src/shared/domain/account.js';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import {
  applyRules,
  listFolders,
  previewRules,
  testConnection,
} from '../../src/main/core/tools/index.js';
import { spamAssassinMessages, type CorpusMessage } from '../helpers/corpus.js';
import { distinctById, expectedFolder, idOf, normId } from '../helpers/corpus-expect.js';
import type { Dovecot } from '../helpers/dovecot.js';
import { useDovecot } from '../helpers/use-dovecot.js';
import { configFor, demoFolders, demoRules } from '../helpers/solon-config.js';
import { testLogger } from '../helpers/test-logger.js';

const users = ['alice', 'bob', 'carol', 'dave'].map((u) => ({ user: u, password: `${u}-pw` }));
const dovecot = useDovecot({ users });
const log = testLogger();

const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1', 'spam-2'] }));
const sample = (from: number, n: number): CorpusMessage[] => corpus.slice(from, from + n);

/** Account, rules and settings for one Dovecot user, as the config file would give them. */
function setup(user: string, engine: Record<string, number> = {}) {
  const config = parseConfig(
    configFor(dovecot(), { user, passwordEnv: 'UNUSED', dataDir: tmpdir(), engine }),
  );
  return {
    account: config.accounts[0]!,
    settings: config.engine,
    rules: config.rules,
    categories: config.categories,
    password: `${user}-pw`,
  };
}

/** Everything the server holds for a user: per folder, each message's id and flags. */
async function snapshot(d: Dovecot, user: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const box of Object.keys(await d.mailboxCounts(user)).sort()) {
    out[box] = (await d.listMessages(user, box)).map(
      (m) => `${m.uid} ${normId(m.messageId)} ${[...m.flags].sort().join(' ')}`,
    );
  }
  return out;
}

/** Where each message is now: Message-ID → folders holding it. */
async function whereIs(d: Dovecot, user: string): Promise<Map<string, string[]>> {
  const where = new Map<string, string[]>();
  for (const box of ['INBOX', ...demoFolders()]) {
    for (const m of await d.listMessages(user, box)) {
      const id = normId(m.messageId);
      where.set(id, [...(where.get(id) ?? []), box]);
    }
  }
  return where;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const d = dovecot();
  for (const { user } of users) for (const f of demoFolders()) await d.createMailbox(user, f);
  await d.createMailbox('alice', 'Entwürfe');
});

describe('listFolders', () => {
  it('lists every folder, with a non-ASCII name decoded for display', async () => {
    const { account, password, settings } = setup('alice');
    const folders = await listFolders(account, password, settings, log);
    const paths = folders.map((f) => f.path);
    expect(paths[0]).toBe('INBOX');
    for (const f of demoFolders()) expect(paths).toContain(f);
    const exmh = folders.find((f) => f.path === 'Lists/exmh')!;
    expect(exmh).toMatchObject({ name: 'exmh', delimiter: '/', decodedPath: 'Lists/exmh' });
    const drafts = folders.find((f) => f.decodedPath === 'Entwürfe');
    expect(drafts, JSON.stringify(folders)).toBeDefined();
    expect(drafts).toMatchObject({ path: 'Entwürfe', name: 'Entwürfe', delimiter: '/' });
    // On the wire it is modified UTF-7 (RFC 3501 §5.1.3).
    expect(drafts!.rawPath).toBe('Entw&APw-rfe');
  });
});

describe('testConnection', () => {
  it('reports capabilities and folders when everything works', async () => {
    const { account, password, settings } = setup('alice');
    const r = await testConnection(account, password, settings, log);
    expect(r).toMatchObject({ ok: true, idle: true, move: true });
    if (!r.ok) throw new Error('unreachable');
    expect(r.capabilities).toContain('IDLE');
    // Every listed folder counts, parents ("Lists") included.
    expect(r.folders).toBe((await listFolders(account, password, settings, log)).length);
    expect(r.folders).toBeGreaterThanOrEqual(demoFolders().length + 2); // INBOX and Entwürfe
  });

  it('says the password is wrong', async () => {
    const { account, settings } = setup('alice');
    const r = await testConnection(account, 'not-the-password', settings, log);
    expect(r).toMatchObject({ ok: false, kind: 'auth' });
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toMatch(/wrong user name or password/);
    expect(r.message).toContain('alice');
  });

  it('names host:port when the connection is refused', async () => {
    const { account, password, settings } = setup('alice');
    const port = await freePort();
    const r = await testConnection({ ...account, port }, password, settings, log);
    expect(r).toMatchObject({ ok: false, kind: 'refused' });
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toContain(`127.0.0.1:${port}`);
  });

  it('names the host when its name does not resolve', async () => {
    const { account, password, settings } = setup('alice');
    const host = 'no-such-imap-server.invalid';
    const r = await testConnection({ ...account, host }, password, settings, log);
    expect(r).toMatchObject({ ok: false, kind: 'dns' });
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toContain(host);
  });

  it('says the certificate is self-signed when no CA file trusts it', async () => {
    const { account, password, settings } = setup('alice');
    const noCa: Account = { ...account, caFile: undefined };
    const r = await testConnection(noCa, password, settings, log);
    expect(r).toMatchObject({ ok: false, kind: 'tls' });
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toMatch(/self-signed/);
    expect(r.message).toContain(`127.0.0.1:${account.port}`);
  });

  // A text file with no certificate in it (the user picked the wrong file).
  const notPem = join(tmpdir(), `solon-not-a-ca-${process.pid}.txt`);
  beforeAll(() => writeFile(notPem, 'my-laptop\n'));
  it.each([
    [
      'does not exist',
      () => join(tmpdir(), 'solon-no-such-ca.pem'),
      /cannot read the CA file .*ENOENT/,
    ],
    ['is not a certificate', () => notPem, /holds no certificate \(expected PEM/],
  ])('says what is wrong with a CA file that %s (not "untrusted")', async (_what, file, reason) => {
    const { account, password, settings } = setup('alice');
    const r = await testConnection({ ...account, caFile: file() }, password, settings, log);
    expect(r).toMatchObject({ ok: false, kind: 'tls' });
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toMatch(/^Cannot use the CA certificate file: /);
    expect(r.message).toMatch(reason);
    expect(r.message).not.toMatch(/self-signed|trusted/);
  });
});

describe('previewRules', () => {
  it('shows what the rules would do to the newest messages and changes nothing', async () => {
    const d = dovecot();
    const { account, password, settings, rules, categories } = setup('bob');
    const msgs = sample(0, 30);
    const uids = await d.appendMany(
      'bob',
      'INBOX',
      msgs.map((m) => m.raw),
    );
    // One message already read, so a flag change would show.
    await d.doveadm([
      'flags',
      'add',
      '-u',
      'bob',
      '\\Seen',
      'mailbox',
      'INBOX',
      'uid',
      String(uids[0]),
    ]);
    const before = await snapshot(d, 'bob');

    const items = await previewRules(account, password, { ...settings, batchSize: 7 }, log, {
      rules,
      categories,
      mailbox: 'INBOX',
      limit: 20,
    });

    expect(items.map((i) => i.uid)).toEqual(uids.slice(-20).reverse());
    const byUid = new Map(uids.map((u, i) => [u, msgs[i]!]));
    const ruleName = new Map(demoRules().map((r) => [r.id, r.name]));
    const folders = new Set<string>();
    for (const item of items) {
      const m = byUid.get(item.uid)!;
      const want = expectedFolder(m);
      folders.add(want);
      expect(item.error).toBeUndefined();
      expect(item.subject).toBeTruthy();
      expect(item.from).toBeTruthy();
      if (want === 'INBOX') {
        expect(item.plan.moveTo, m.id).toBeUndefined();
      } else {
        expect(item.plan.moveTo, m.id).toBe(want);
        expect(item.actions).toContain(`move → ${want}`);
        const first = item.matched[0]!;
        expect(first.name).toBe(ruleName.get(first.id));
      }
      if (item.matched.length === 0) expect(item.actions).toBe('nothing to do');
    }
    expect(folders.size).toBeGreaterThanOrEqual(3); // the sample exercises several rules

    // Nothing changed on the server: same messages, same UIDs, same flags, everywhere.
    expect(await snapshot(d, 'bob')).toEqual(before);
  });
});

describe('applyRules', () => {
  it('sorts the existing mail, each message once, reporting progress to the total', async () => {
    const d = dovecot();
    const { account, password, settings, rules, categories } = setup('carol');
    const msgs = sample(30, 40);
    await d.appendMany(
      'carol',
      'INBOX',
      msgs.map((m) => m.raw),
    );
    const progress: [number, number][] = [];

    const r = await applyRules(account, password, { ...settings, batchSize: 9 }, log, {
      rules,
      categories,
      mailbox: 'INBOX',
      onProgress: (done, total) => progress.push([done, total]),
    });

    expect(r).toMatchObject({ total: 40, done: 40, cancelled: false, errors: [] });
    expect(progress).toEqual([
      [9, 40],
      [18, 40],
      [27, 40],
      [36, 40],
      [40, 40],
    ]);
    const where = await whereIs(d, 'carol');
    let moved = 0;
    for (const m of msgs) {
      expect(where.get(idOf(m)), m.id).toEqual([expectedFolder(m)]);
      if (expectedFolder(m) !== 'INBOX') moved++;
    }
    expect(moved).toBeGreaterThan(5);
    // acted counts moves plus in-place changes (the money rule flags and keeps).
    expect(r.acted).toBeGreaterThanOrEqual(moved);
    const inbox = await d.listMessages('carol', 'INBOX');
    const flagged = inbox.filter((m) => m.flags.includes('\\Flagged')).length;
    expect(r.acted).toBe(moved + flagged);
    // Nothing left marked \Deleted (MOVE was used), nothing duplicated.
    expect(inbox.every((m) => !m.flags.includes('\\Deleted'))).toBe(true);
  });

  it('stops between batches when cancelled and leaves the rest in place', async () => {
    const d = dovecot();
    const { account, password, settings, rules, categories } = setup('dave');
    const msgs = sample(30, 40);
    const uids = await d.appendMany(
      'dave',
      'INBOX',
      msgs.map((m) => m.raw),
    );
    const controller = new AbortController();
    const progress: number[] = [];

    const r = await applyRules(account, password, { ...settings, batchSize: 5 }, log, {
      rules,
      categories,
      mailbox: 'INBOX',
      signal: controller.signal,
      onProgress: (done) => {
        progress.push(done);
        controller.abort();
      },
    });

    expect(r).toMatchObject({ total: 40, done: 5, cancelled: true, errors: [] });
    expect(progress).toEqual([5]);
    const where = await whereIs(d, 'dave');
    msgs.forEach((m, i) => {
      // The first batch (the five lowest UIDs) was sorted; everything after it is untouched.
      const want = i < 5 ? expectedFolder(m) : 'INBOX';
      expect(where.get(idOf(m)), m.id).toEqual([want]);
    });
    const inboxUids = (await d.listMessages('dave', 'INBOX')).map((m) => m.uid);
    for (const u of uids.slice(5)) expect(inboxUids).toContain(u);
  });

  it('does nothing when the signal is already aborted', async () => {
    const { account, password, settings, rules, categories } = setup('dave');
    const controller = new AbortController();
    controller.abort();
    const r = await applyRules(account, password, settings, log, {
      rules,
      categories,
      mailbox: 'INBOX',
      signal: controller.signal,
    });
    expect(r).toEqual({ total: 0, done: 0, acted: 0, errors: [], cancelled: true });
  });
});
