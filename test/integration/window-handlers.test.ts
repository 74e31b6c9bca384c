/**
 * The window's tool channels end to end below the browser: dispatch (contract-checked args and
 * results) → handlers → tools → a private Dovecot holding real corpus mail. The browser tests
 * (test/e2e) drive the same channels from the page; these pin the wiring and the edge cases.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  type ApplyProgress,
  type CategoryTest,
  type ConnectionTest,
  type PreviewRow,
  type Wire,
} from '../../src/shared/contract.js';
import { createHandlers, dispatch, type HandlerDeps } from '../../src/main/core/handlers.js';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { Category } from '../../src/shared/domain/rule.js';
import type { Account } from '../../src/shared/domain/account.js';
import type { AppSettings } from '../../src/shared/domain/settings.js';
import { defaults } from '../../src/main/core/settings/defaults.js';
import { spamAssassinMessages } from '../helpers/corpus.js';
import { distinctById, expectedFolder, idOf, normId } from '../helpers/corpus-expect.js';
import { useDovecot } from '../helpers/use-dovecot.js';
import { configFor, demoFolders } from '../helpers/solon-config.js';
import { waitFor } from '../helpers/fake-clock.js';

const USER = 'erin';
const PASSWORD = 'erin-pw';
const dovecot = useDovecot({ users: [{ user: USER, password: PASSWORD }] });
const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1'], limit: 300 }));

function rig(over: Partial<HandlerDeps> = {}) {
  const config = parseConfig(
    configFor(dovecot(), { user: USER, passwordEnv: 'ERIN_PW', dataDir: tmpdir() }),
  );
  const account: Account = config.accounts[0]!;
  const progress: ApplyProgress[] = [];
  let saved: AppSettings = { ...defaults(), rules: config.rules };
  const handlers = createHandlers({
    engine: {
      status: () => [],
      suspend: () => undefined,
      resume: () => undefined,
      checkNow: () => undefined,
      recentActivity: () => Promise.resolve([]),
      undo: () => Promise.reject(new Error('no')),
    },
    rules: () => config.rules,
    settings: {
      get: () => saved,
      update: (p) => (saved = { ...saved, ...(p as Partial<AppSettings>) }),
    },
    tools: {
      account: (id) => (id === account.id ? account : undefined),
      password: () => Promise.resolve(PASSWORD),
      engineSettings: () => ({ ...config.engine, batchSize: 7 }),
      categories: () => [],
    },
    emit: (event, payload) => {
      if (event === 'rules.applyProgress') progress.push(payload as ApplyProgress);
    },
    appInfo: () => ({ version: 't', platform: 'linux', secretsBackend: 't', dataDir: '/d' }),
    openExternal: () => Promise.resolve(),
    ...over,
  });
  const call = async <T>(channel: string, args?: unknown): Promise<T> => {
    const w: Wire<unknown> = await dispatch(handlers, channel, args, { validateResults: true });
    if (!w.ok) throw Object.assign(new Error(w.error.message), w.error);
    return w.value as T;
  };
  return { account, config, call, progress, handlers };
}

beforeAll(async () => {
  for (const f of demoFolders()) await dovecot().createMailbox(USER, f);
  await dovecot().createMailbox(USER, 'Архив');
});

describe('window channels over a real server', () => {
  it('accounts.test: a draft account with the typed password answers its folders, decoded', async () => {
    const { account, call } = rig();
    const r = await call<ConnectionTest>('accounts.test', {
      account: { ...account, password: { keychain: true } },
      password: PASSWORD,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.idle).toBe(true);
    expect(r.folders.map((f) => f.decodedPath)).toEqual(expect.arrayContaining(['INBOX', 'Архив']));
  });

  it('accounts.test: a wrong password is "auth"; no password anywhere is "password"', async () => {
    const { account, call } = rig({
      tools: {
        account: () => undefined,
        password: () =>
          Promise.reject(new Error('account "erin": no password saved in the keychain')),
        engineSettings: () =>
          parseConfig(configFor(dovecot(), { user: USER, passwordEnv: 'X', dataDir: tmpdir() }))
            .engine,
        categories: () => [],
      },
    });
    const wrong = await call<ConnectionTest>('accounts.test', { account, password: 'nope' });
    expect(wrong).toMatchObject({ ok: false, kind: 'auth' });
    const none = await call<ConnectionTest>('accounts.test', { account });
    expect(none).toMatchObject({ ok: false, kind: 'password' });
    expect(!none.ok && none.message).toMatch(/no password saved/);
  });

  it('messages.recent and rules.preview read without changing anything; dates cross as numbers', async () => {
    const { account, call } = rig();
    const msgs = corpus.slice(0, 20);
    await dovecot().appendMany(
      USER,
      'INBOX',
      msgs.map((m) => m.raw),
    );
    const before = await dovecot().listMessages(USER, 'INBOX');
    const recent = await call<{ uid: number; date?: number }[]>('messages.recent', {
      accountId: account.id,
      mailbox: 'INBOX',
      limit: 5,
    });
    expect(recent).toHaveLength(5);
    expect(recent[0]!.uid).toBeGreaterThan(recent[4]!.uid);
    expect(typeof recent[0]!.date).toBe('number');

    const { config } = rig();
    const rows = await call<PreviewRow[]>('rules.preview', {
      accountId: account.id,
      mailbox: 'INBOX',
      limit: 20,
      rules: config.rules,
    });
    expect(rows).toHaveLength(20);
    const expectMoved = msgs.filter((m) => expectedFolder(m) !== 'INBOX').length;
    expect(rows.filter((r) => r.actions.startsWith('move')).length).toBe(expectMoved);
    expect(await dovecot().listMessages(USER, 'INBOX')).toEqual(before);
  });

  it('rules.apply answers at once, pushes progress per batch, and ends finished', async () => {
    const { account, call, config, progress } = rig();
    const { jobId } = await call<{ jobId: string }>('rules.apply', {
      accountId: account.id,
      mailbox: 'INBOX',
      rules: config.rules,
    });
    const last = await waitFor('the run to end', () =>
      progress.find((p) => p.jobId === jobId && p.state !== 'running'),
    );
    expect(last).toMatchObject({ state: 'finished', errors: [] });
    expect(last.done).toBe(last.total);
    const running = progress.filter((p) => p.state === 'running').map((p) => p.done);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    expect(running.length).toBe(Math.ceil(last.total / 7));
    const inbox = new Set(
      (await dovecot().listMessages(USER, 'INBOX')).map((x) => normId(x.messageId)),
    );
    for (const m of corpus.slice(0, 20))
      expect(inbox.has(idOf(m)), m.id).toBe(expectedFolder(m) === 'INBOX');
  });

  it('rules.cancelApply stops after the batch in hand; an unknown job is NOT_FOUND', async () => {
    const { account, call, config, progress } = rig();
    await dovecot().appendMany(
      USER,
      'INBOX',
      corpus.slice(100, 160).map((m) => m.raw),
    );
    const { jobId } = await call<{ jobId: string }>('rules.apply', {
      accountId: account.id,
      mailbox: 'INBOX',
      rules: config.rules,
    });
    await waitFor('a first batch', () => progress.some((p) => p.jobId === jobId));
    await call('rules.cancelApply', { jobId });
    const last = await waitFor('the run to end', () =>
      progress.find((p) => p.jobId === jobId && p.state !== 'running'),
    );
    expect(last.state).toBe('cancelled');
    expect(last.done).toBeLessThan(last.total);
    await expect(call('rules.cancelApply', { jobId })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
    });
  });

  it('categories.test: a rule that sets a category decides, naming the rule', async () => {
    const exmh = corpus.find((m) => expectedFolder(m) === 'Lists/exmh')!;
    const [uid] = await dovecot().appendMany(USER, 'INBOX', [exmh.raw]);
    const { account, call, config } = rig();
    const rules = config.rules.map((r) =>
      r.id === 'exmh' || r.name.includes('exmh') ? { ...r, category: 'Lists' } : r,
    );
    const { call: call2 } = rig({ rules: () => rules });
    const r = await call2<CategoryTest>('categories.test', {
      accountId: account.id,
      mailbox: 'INBOX',
      uid,
      categories: [Category.parse({ name: 'Lists', description: 'mailing lists' })],
    });
    expect(r).toMatchObject({ by: 'rule', category: 'Lists', uid });
    expect(r.rule).toMatch(/exmh/);
    await expect(
      call('categories.test', { accountId: account.id, mailbox: 'INBOX', uid: 999_999 }),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND, path: 'uid' });
  });

  it('rules.export then rules.import round-trips; a bad file names the field and saves nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'solon-rules-file-'));
    let importFrom = '';
    const { call } = rig({
      files: {
        saveAs: async (name, contents) => {
          const p = join(dir, name);
          await writeFile(p, contents);
          return p;
        },
        open: async () => ({ path: importFrom, contents: await readFile(importFrom, 'utf8') }),
      },
    });
    const { path } = await call<{ path?: string }>('rules.export');
    expect(path).toBe(join(dir, 'solon-rules.json'));
    importFrom = path!;
    const back = await call<{ rules: unknown[]; categories: unknown[] }>('rules.import');
    const saved = await call<AppSettings>('settings.get');
    expect(back.rules).toEqual(saved.rules);

    importFrom = join(dir, 'bad.json');
    const doc = JSON.parse(await readFile(path!, 'utf8')) as {
      rules: { conditions: { op: string; value: string }[] }[];
    };
    doc.rules[0]!.conditions[0] = {
      ...doc.rules[0]!.conditions[0]!,
      op: 'matches',
      value: '(?=x)',
    };
    await writeFile(importFrom, JSON.stringify(doc));
    await expect(call('rules.import')).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGS,
      path: 'rules[0].conditions[0].value',
    });
  });
});
