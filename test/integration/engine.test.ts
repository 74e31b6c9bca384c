import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../src/shared/domain/activity.js';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import { ledgerFile, MailboxLedger } from '../../src/main/core/ledger/mailbox-ledger.js';
import { spamAssassinMessages, type CorpusMessage } from '../helpers/corpus.js';
import {
  distinctById,
  expectedFolder,
  idOf,
  normId,
  serverLocations,
} from '../helpers/corpus-expect.js';
import type { Dovecot } from '../helpers/dovecot.js';
import { useDovecot } from '../helpers/use-dovecot.js';
import { FakeClock, waitFor } from '../helpers/fake-clock.js';
import { configFor, demoFolders } from '../helpers/solon-config.js';

const dovecot = useDovecot({
  users: [
    { user: 'alice', password: 'alice-pw' },
    { user: 'bob', password: 'bob-pw' },
    { user: 'carol', password: 'carol-pw' },
    { user: 'dave', password: 'dave-pw' },
  ],
});
const env = {
  ALICE_PW: 'alice-pw',
  BOB_PW: 'bob-pw',
  CAROL_PW: 'carol-pw',
  DAVE_PW: 'dave-pw',
  WRONG_PW: 'nope',
};

// Real mail: list traffic of every kind plus spam, distinct Message-IDs.
const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1', 'spam-2'] }));
const sample = (from: number, n: number): CorpusMessage[] => corpus.slice(from, from + n);

let engines: Engine[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  engines = [];
  dirs = [];
});

async function makeEngine(
  user: string,
  passwordEnv: string,
  opts: { clock?: FakeClock; mailboxes?: string[]; dataDir?: string } = {},
): Promise<{ engine: Engine; dataDir: string; activity: ActivityEntry[] }> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'solon-engine-')));
  if (!opts.dataDir) dirs.push(dataDir);
  const config = parseConfig(
    configFor(dovecot(), { user, passwordEnv, dataDir, mailboxes: opts.mailboxes }),
  );
  const engine = createEngine({ config, dataDir, env, clock: opts.clock });
  const activity: ActivityEntry[] = [];
  engine.onActivity((e) => activity.push(e));
  engines.push(engine);
  return { engine, dataDir, activity };
}

async function createFolders(d: Dovecot, user: string): Promise<void> {
  for (const f of demoFolders()) await d.createMailbox(user, f);
}

/** Every message is in exactly one folder, the one the rules say; returns the per-folder counts. */
async function expectSortedOnce(
  d: Dovecot,
  user: string,
  msgs: CorpusMessage[],
  mailboxes: string[] = ['INBOX', ...demoFolders()],
): Promise<Record<string, number>> {
  const where = await serverLocations(d, user, mailboxes);
  const counts: Record<string, number> = {};
  for (const m of msgs) {
    expect(where.get(idOf(m)), `message ${m.id} (${idOf(m)})`).toEqual([expectedFolder(m)]);
    counts[expectedFolder(m)] = (counts[expectedFolder(m)] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  await createFolders(dovecot(), 'alice');
  await createFolders(dovecot(), 'bob');
});

describe('engine against a real Dovecot', () => {
  it('sorts real mail delivered while it watches, each message exactly once', async () => {
    const d = dovecot();
    const { engine, activity } = await makeEngine('alice', 'ALICE_PW');
    // Mail already there before the first run is left alone: first run starts at UIDNEXT.
    const old = sample(0, 5);
    for (const m of old) await d.append('alice', 'INBOX', m.raw);
    await engine.start();
    await waitFor('watching', () => engine.status()[0]?.state === 'watching');

    const msgs = sample(5, 60);
    for (const m of msgs) await d.append('alice', 'INBOX', m.raw);
    await waitFor('60 decisions', () => activity.length >= 60);

    const counts = await expectSortedOnce(d, 'alice', msgs);
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(3); // the sample really exercises several rules
    // The pre-existing mail was not touched.
    const inbox = new Set((await d.listMessages('alice', 'INBOX')).map((m) => normId(m.messageId)));
    for (const m of old) expect(inbox.has(idOf(m))).toBe(true);
    // The activity log agrees with the server: one entry per message, none for the old ones.
    const keys = activity.map((e) => e.messageId);
    expect(new Set(keys).size).toBe(keys.length);
    expect(activity.filter((e) => e.result === 'done').length).toBe(
      msgs.filter((m) => expectedFolder(m) !== 'INBOX').length,
    );
    const status = engine.status()[0]!;
    expect(status.lastMessage?.subject).toBeTruthy();
    expect(status.handledToday).toBeGreaterThan(0);
  });

  it('handles mail that arrived while it was stopped, at start, and picks up where it left off', async () => {
    const d = dovecot();
    const first = await makeEngine('bob', 'BOB_PW');
    await first.engine.start();
    await waitFor('watching', () => first.engine.status()[0]?.state === 'watching');
    await first.engine.stop();

    const msgs = sample(100, 40);
    for (const m of msgs) await d.append('bob', 'INBOX', m.raw);
    const second = await makeEngine('bob', 'BOB_PW', { dataDir: first.dataDir });
    await second.engine.start();
    await waitFor('40 decisions', () => second.activity.length >= 40);
    await expectSortedOnce(d, 'bob', msgs);
    await second.engine.stop();

    // A third start finds nothing new to do.
    const third = await makeEngine('bob', 'BOB_PW', { dataDir: first.dataDir });
    await third.engine.start();
    await waitFor('watching', () => third.engine.status()[0]?.state === 'watching');
    expect(third.activity).toEqual([]);
    const log = await third.engine.recentActivity(1000);
    expect(log.filter((e) => e.mailbox === 'INBOX').length).toBe(40);
  });

  it('a batch a crash left in the journal is finished carefully at the next start, each message once', async () => {
    const d = dovecot();
    await createFolders(d, 'dave');
    const first = await makeEngine('dave', 'DAVE_PW');
    await first.engine.start();
    await waitFor('watching', () => first.engine.status()[0]?.state === 'watching');
    await first.engine.stop();

    // Three list messages arrive; a process started on them, journalled its plans and moved the
    // first, then died before its commit.
    const msgs = sample(200, 80)
      .filter((m) => expectedFolder(m) !== 'INBOX')
      .slice(0, 3);
    expect(msgs).toHaveLength(3);
    const uids: number[] = [];
    for (const m of msgs) uids.push(await d.append('dave', 'INBOX', m.raw));
    const ledger = await MailboxLedger.open(ledgerFile(first.dataDir, 'dave', 'INBOX'), 'INBOX');
    await ledger.begin(
      msgs.map((m, i) => ({
        uid: uids[i]!,
        messageId: idOf(m),
        from: 'someone',
        subject: `message ${i}`,
        rules: [{ id: 'list', name: 'list' }],
        plan: {
          addFlags: [],
          removeFlags: [],
          gmailLabels: [],
          copyTo: [],
          moveTo: expectedFolder(m),
          notify: false,
        },
        startedAt: 0,
      })),
      Math.max(...uids),
    );
    await d.doveadm([
      'move',
      '-u',
      'dave',
      expectedFolder(msgs[0]!),
      'mailbox',
      'INBOX',
      'uid',
      String(uids[0]),
    ]);

    const second = await makeEngine('dave', 'DAVE_PW', { dataDir: first.dataDir });
    await second.engine.start();
    await waitFor('3 decisions', () => second.activity.length >= 3);
    expect(second.activity.map((e) => [e.result, e.recovered])).toEqual([
      ['done', true],
      ['done', true],
      ['done', true],
    ]);
    await expectSortedOnce(d, 'dave', msgs);
  });

  it('wrong password: auth-failed, says so, does not retry until resumed; then catches up', async () => {
    const d = dovecot();
    await createFolders(d, 'carol');
    const clock = new FakeClock();
    // Start once with the right password so the checkpoint exists, then break the password.
    const ok = await makeEngine('carol', 'CAROL_PW', { clock });
    await ok.engine.start();
    await waitFor('watching', () => ok.engine.status()[0]?.state === 'watching');
    await ok.engine.stop();

    await d.setPassword('carol', 'changed-on-server');
    const bad = await makeEngine('carol', 'CAROL_PW', { clock, dataDir: ok.dataDir });
    await bad.engine.start();
    const st = await waitFor('auth-failed', () => {
      const s = bad.engine.status()[0];
      return s?.state === 'auth-failed' ? s : undefined;
    });
    expect(st.reason).toMatch(/password/);
    expect(st.code).toBe('AUTHENTICATIONFAILED');
    // No retry storm: an hour passes (every engine timer fires) and no new login is tried.
    const mismatches = async (): Promise<number> =>
      (await d.logTail(10_000))
        .split('\n')
        .filter((l) => /carol.*(mismatch|unknown user|auth failed)/i.test(l)).length;
    const before = await mismatches();
    expect(before).toBeGreaterThan(0); // the log does record failed logins
    clock.advance(60 * 60_000);
    await bad.engine.probe();
    bad.engine.checkNow();
    expect(bad.engine.status()[0]?.state).toBe('auth-failed');
    expect(await mismatches()).toBe(before);

    // Mail keeps arriving; the user fixes the password and resumes: it catches up.
    const msgs = sample(200, 10);
    for (const m of msgs) await d.append('carol', 'INBOX', m.raw);
    await d.setPassword('carol', 'carol-pw');
    bad.engine.resume('password fixed');
    await waitFor('10 decisions', () => bad.activity.length >= 10);
    await expectSortedOnce(d, 'carol', msgs);
  });

  it('undo puts a moved message back and takes off the keyword it got', async () => {
    const d = dovecot();
    const { engine, activity } = await makeEngine('alice', 'ALICE_PW');
    await engine.start();
    await waitFor('watching', () => engine.status()[0]?.state === 'watching');
    // Past the slices the other tests deliver to alice.
    const m = corpus.slice(300).find((c) => expectedFolder(c) === 'Lists/spamassassin')!;
    await d.append('alice', 'INBOX', m.raw);
    const done = await waitFor('decision', () => activity.find((e) => e.messageId === idOf(m)));
    expect(done.result).toBe('done');
    expect(done.undo.map((u) => u.type).sort()).toEqual(['flags-added', 'moved']);
    const moved = (await d.listMessages('alice', 'Lists/spamassassin')).find(
      (x) => normId(x.messageId) === idOf(m),
    )!;
    expect(moved.flags).toContain('spamassassin');

    const undone = await engine.undo(done.id);
    expect(undone.result).toBe('undone');
    expect(
      (await d.listMessages('alice', 'Lists/spamassassin')).some(
        (x) => normId(x.messageId) === idOf(m),
      ),
    ).toBe(false);
    const back = (await d.listMessages('alice', 'INBOX')).find(
      (x) => normId(x.messageId) === idOf(m),
    );
    expect(back?.flags).not.toContain('spamassassin');
    await expect(engine.undo(done.id)).rejects.toThrow(/already undone/);
  });
});
