import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import type { ActivityEntry } from '../../src/shared/domain/activity.js';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import type { ConnectionState } from '../../src/shared/domain/status.js';
import { spamAssassinMessages } from '../helpers/corpus.js';
import { distinctById, idOf, normId } from '../helpers/corpus-expect.js';
import type { Dovecot } from '../helpers/dovecot.js';
import { FakeClock, waitFor } from '../helpers/fake-clock.js';
import { configFor, demoFolders } from '../helpers/solon-config.js';
import { useDovecot } from '../helpers/use-dovecot.js';
import { testLogger } from '../helpers/test-logger.js';

const users = ['erin', 'frank', 'grace'];
const dovecot = useDovecot({ users: users.map((u) => ({ user: u, password: `${u}-pw` })) });
const env = Object.fromEntries(users.map((u) => [`${u.toUpperCase()}_PW`, `${u}-pw`]));
const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-2'] }));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Harness {
  engine: Engine;
  clock: FakeClock;
  states: ConnectionState[];
  reasons: string[];
  activity: ActivityEntry[];
}

async function start(
  d: Dovecot,
  user: string,
  opts: { mailboxes?: string[]; rules?: RuleInput[]; dataDir?: string } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'solon-sup-')));
  if (!opts.dataDir) cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const clock = new FakeClock(Date.now());
  const config = parseConfig(
    configFor(d, {
      user,
      passwordEnv: `${user.toUpperCase()}_PW`,
      dataDir,
      mailboxes: opts.mailboxes,
      rules: opts.rules,
    }),
  );
  const engine = createEngine({
    config,
    dataDir,
    env,
    clock,
    random: () => 0.5,
    log: testLogger(),
  });
  const h: Harness = { engine, clock, states: [], reasons: [], activity: [] };
  engine.onStatus((all) => {
    const s = all[0]!;
    if (h.states[h.states.length - 1] !== s.state || h.reasons[h.reasons.length - 1] !== s.reason) {
      h.states.push(s.state);
      h.reasons.push(s.reason);
    }
  });
  engine.onActivity((e) => h.activity.push(e));
  cleanup.push(() => engine.stop());
  await engine.start();
  await waitFor('watching', () => engine.status()[0]?.state === 'watching');
  return h;
}

const watching = (h: Harness) => () => h.engine.status()[0]?.state === 'watching';

describe('supervisor transitions (real Dovecot, fake clock for Solon’s own timers)', () => {
  it('goes connecting → syncing → watching; a server BYE reconnects at once and nothing is missed', async () => {
    const d = dovecot();
    for (const f of demoFolders()) await d.createMailbox('erin', f);
    const h = await start(d, 'erin');
    expect(h.states).toEqual(['connecting', 'syncing', 'watching']);

    await d.kick('erin');
    await waitFor(
      'reconnect',
      () => h.states.length > 3 && h.engine.status()[0]?.state === 'watching',
    );
    // First retry is immediate: no backing-off state, no timer to wait for.
    expect(h.states.slice(3)).toEqual(['connecting', 'syncing', 'watching']);

    const m = corpus[0]!;
    await d.append('erin', 'INBOX', m.raw);
    await waitFor('decision', () => h.activity.length === 1);
    expect(h.activity[0]!.messageId).toBe(idOf(m));
  });

  it('suspend drops the connection; mail that arrives meanwhile is handled after resume', async () => {
    const d = dovecot();
    for (const f of demoFolders()) await d.createMailbox('frank', f);
    const h = await start(d, 'frank');
    h.engine.suspend('the computer is going to sleep');
    expect(h.engine.status()[0]?.state).toBe('suspended');
    const msgs = corpus.slice(1, 6);
    await d.appendMany(
      'frank',
      'INBOX',
      msgs.map((m) => m.raw),
    );
    h.clock.advance(60 * 60_000); // an hour asleep: nothing reconnects on its own
    h.clock.jump(3 * 3600_000); // nor does the sleep detector undo a suspend (the user's Pause)
    h.clock.advance(15_000);
    expect(h.engine.status()[0]?.state).toBe('suspended');
    expect(h.activity).toEqual([]);

    h.engine.resume('woke up');
    await waitFor('5 decisions', () => h.activity.length === 5);
    expect(h.activity.map((e) => e.messageId).sort()).toEqual(msgs.map(idOf).sort());
  });

  it('a wall-clock jump (sleep with no OS event) is treated as a wake: reconnect at once', async () => {
    const d = dovecot();
    await d.createMailbox('grace', 'Lists/fork');
    const h = await start(d, 'grace', { rules: [] });
    const before = h.states.length;
    h.clock.jump(3 * 3600_000); // the laptop slept three hours
    h.clock.advance(15_000); // the next tick notices
    await waitFor('reconnected', () => h.states.length > before && watching(h)());
    expect(h.reasons.slice(before).join(' | ')).toMatch(/woke up \(clock jumped \d+ s\)/);
    expect(h.states.slice(before)).toContain('connecting');
  });

  it('the watchdog probe keeps a healthy connection (no reconnect) and the safety net catches up', async () => {
    const d = dovecot();
    const h = await start(d, 'grace', { rules: [] });
    const before = h.states.length;
    for (let i = 0; i < 5; i++) {
      h.clock.advance(30_000); // a probe is due every 30 s
      await h.engine.probe(); // an explicit probe too (network change)
    }
    await waitFor('watching', watching(h));
    expect(h.states.slice(before).filter((s) => s === 'connecting')).toEqual([]);
  });
});

describe('mailbox changes under Solon', () => {
  it('UIDVALIDITY change: new mail handled once, old mail not re-acted on', async () => {
    const d = dovecot();
    await d.createMailbox('erin', 'Work');
    const dataDir = await mkdtemp(join(tmpdir(), 'solon-uidv-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // Flag-only rule: the message stays in Work, so it is still there when Work is recreated.
    const rules: RuleInput[] = [
      {
        id: 'all',
        name: 'flag everything',
        conditions: [{ field: 'subject', op: 'exists' }],
        actions: [{ type: 'add-keyword', keyword: 'seen-by-solon' }],
      },
    ];
    const first = await start(d, 'erin', { mailboxes: ['Work'], rules, dataDir });
    const handled = corpus.slice(10, 14);
    await d.appendMany(
      'erin',
      'Work',
      handled.map((m) => m.raw),
    );
    await waitFor('4 decisions', () => first.activity.length === 4);
    await first.engine.stop();

    // Someone recreates the mailbox: the old mail comes back (copied, same Message-IDs; or with
    // an old arrival date), and new mail arrives.
    await d.doveadm(['mailbox', 'delete', '-u', 'erin', 'Work']);
    await d.createMailbox('erin', 'Work');
    const old = corpus.slice(20, 23);
    const fresh = corpus.slice(30, 33);
    await d.appendMany(
      'erin',
      'Work',
      handled.map((m) => m.raw),
    );
    await appendWithDate(
      d,
      'erin',
      'Work',
      old.map((m) => m.raw),
      new Date(Date.now() - 30 * 86400_000),
    );
    await d.appendMany(
      'erin',
      'Work',
      fresh.map((m) => m.raw),
    );

    const second = await start(d, 'erin', { mailboxes: ['Work'], rules, dataDir });
    await waitFor('3 decisions', () => second.activity.length >= 3);
    second.engine.checkNow();
    await waitFor('watching', watching(second));
    expect(second.activity.map((e) => e.messageId).sort()).toEqual(fresh.map(idOf).sort());
    const flagged = (await d.listMessages('erin', 'Work'))
      .filter((m) => m.flags.includes('seen-by-solon'))
      .map((m) => normId(m.messageId));
    expect(flagged.sort()).toEqual(fresh.map(idOf).sort());
  });

  it('a missing target folder: clear error naming it, message left in place, others still flow, quarantined after 3 tries', async () => {
    const d = dovecot();
    await d.createMailbox('frank', 'Archive');
    const [bad, good] = [corpus[40]!, corpus[41]!];
    const rules: RuleInput[] = [
      {
        id: 'to-nowhere',
        name: 'to a folder that is not there',
        conditions: [{ field: 'subject', op: 'equals', value: subjectOf(bad) }],
        actions: [{ type: 'move', folder: 'Nope/Missing' }],
      },
      {
        id: 'archive',
        name: 'archive',
        conditions: [{ field: 'subject', op: 'equals', value: subjectOf(good) }],
        actions: [{ type: 'move', folder: 'Archive' }],
      },
    ];
    const h = await start(d, 'frank', { rules });
    await d.append('frank', 'INBOX', bad.raw);
    await d.append('frank', 'INBOX', good.raw);
    await waitFor('2 decisions', () => h.activity.length >= 2);
    const err = h.activity.find((e) => e.messageId === idOf(bad))!;
    expect(err.result).toBe('error');
    expect(err.error).toBe('folder "Nope/Missing" does not exist on the server');
    expect(h.activity.find((e) => e.messageId === idOf(good))?.result).toBe('done');
    expect((await d.listMessages('frank', 'INBOX')).map((m) => normId(m.messageId))).toContain(
      idOf(bad),
    );
    expect((await d.listMessages('frank', 'Archive')).map((m) => normId(m.messageId))).toEqual([
      idOf(good),
    ]);
    // Retried on the next catch-ups, then quarantined (not retried forever).
    h.engine.checkNow();
    await waitFor(
      'second try',
      () => h.activity.filter((e) => e.messageId === idOf(bad)).length >= 2,
    );
    h.engine.checkNow();
    await waitFor('quarantined', () => h.activity.some((e) => e.result === 'quarantined'));
    expect(h.engine.status()[0]?.errorsToday).toBe(3);
    h.engine.checkNow();
    await waitFor('watching', watching(h));
    expect(h.activity.filter((e) => e.messageId === idOf(bad)).length).toBe(4); // 3 errors + quarantined
  });
});

function subjectOf(m: { raw: Buffer }): string {
  const head = m.raw
    .toString('latin1')
    .split(/\r?\n\r?\n/)[0]!
    .replace(/\r?\n[ \t]+/g, ' ');
  return /^Subject:[ \t]*(.*)$/im.exec(head)![1]!.trim();
}

async function appendWithDate(
  d: Dovecot,
  user: string,
  mailbox: string,
  raws: Buffer[],
  date: Date,
): Promise<void> {
  const client = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    auth: { user, pass: `${user}-pw` },
    tls: { ca: [d.caPem] },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const raw of raws)
      await client.append(mailbox, raw.toString('latin1').replace(/\r?\n/g, '\r\n'), [], date);
  } finally {
    await client.logout();
  }
}
