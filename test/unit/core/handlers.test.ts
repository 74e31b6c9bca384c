import { describe, expect, it } from 'vitest';
import {
  createHandlers,
  dispatch,
  HandlerError,
  subscribe,
  type EngineControls,
  type HandlerDeps,
} from '../../../src/main/core/handlers.js';
import type { Engine } from '../../../src/main/core/engine.js';
import {
  ErrorCode,
  invokeChannels,
  type EventName,
  type Handlers,
  type Wire,
} from '../../../src/shared/contract.js';
import type { ActivityEntry } from '../../../src/shared/domain/activity.js';
import type { Rule } from '../../../src/shared/domain/rule.js';
import { defaults } from '../../../src/main/core/settings/defaults.js';
import type { AccountStatus } from '../../../src/shared/domain/status.js';

function status(accountId: string): AccountStatus {
  return {
    accountId,
    state: 'watching',
    reason: 'watching INBOX',
    since: 1,
    mailboxes: [{ mailbox: 'INBOX', state: 'watching', reason: 'idle', since: 1, attempts: 0 }],
    handledToday: 3,
    errorsToday: 0,
  };
}

function entry(n: number, over: Partial<ActivityEntry> = {}): ActivityEntry {
  return {
    key: `work/INBOX/1/${n}`,
    id: `work/INBOX/1/${n}/${n}`,
    at: 1000 + n,
    accountId: 'work',
    mailbox: 'INBOX',
    uidValidity: '1',
    uid: n,
    from: `sender${n}@example.org`,
    subject: `message ${n}`,
    rules: [],
    actions: 'move → Archive',
    result: 'done',
    undo: [],
    ...over,
  };
}

/** Just enough engine: records what it was asked to do. */
class FakeEngine implements EngineControls, Pick<Engine, 'onStatus' | 'onActivity'> {
  calls: string[] = [];
  entries: ActivityEntry[] = [];
  accounts = [status('work'), status('home')];
  private statusFns = new Set<(s: AccountStatus[]) => void>();
  private activityFns = new Set<(e: ActivityEntry) => void>();

  status(): AccountStatus[] {
    return this.accounts;
  }
  suspend(reason?: string, accountId?: string): void {
    this.calls.push(`suspend:${reason}${accountId ? `:${accountId}` : ''}`);
  }
  resume(reason?: string, accountId?: string): void {
    this.calls.push(`resume:${reason}${accountId ? `:${accountId}` : ''}`);
  }
  checkNow(accountId?: string): void {
    this.calls.push(`checkNow${accountId ? `:${accountId}` : ''}`);
  }
  recentActivity(limit: number): Promise<ActivityEntry[]> {
    this.calls.push(`recent:${limit}`);
    return Promise.resolve(this.entries.slice(-limit).reverse());
  }
  undo(entryId: string): Promise<ActivityEntry> {
    const e = this.entries.find((x) => x.id === entryId);
    if (!e) return Promise.reject(new Error(`no activity entry ${entryId}`));
    return Promise.resolve({ ...e, id: `${e.id}/undone`, result: 'undone', undoes: e.id });
  }
  onStatus(fn: (s: AccountStatus[]) => void): () => void {
    this.statusFns.add(fn);
    return () => this.statusFns.delete(fn);
  }
  onActivity(fn: (e: ActivityEntry) => void): () => void {
    this.activityFns.add(fn);
    return () => this.activityFns.delete(fn);
  }
  emitStatus(): void {
    for (const fn of this.statusFns) fn(this.accounts);
  }
  emitActivity(e: ActivityEntry): void {
    for (const fn of this.activityFns) fn(e);
  }
}

const rule: Rule = {
  id: 'debian',
  name: 'Debian lists',
  enabled: true,
  match: 'all',
  conditions: [
    {
      field: 'list-id',
      op: 'ends-with',
      value: 'lists.debian.org>',
      negate: false,
      caseSensitive: false,
    },
  ],
  actions: [{ type: 'move', folder: 'Lists/Debian' }],
};

function setup(over: Partial<HandlerDeps> = {}) {
  const engine = new FakeEngine();
  const opened: string[] = [];
  const handlers = createHandlers({
    engine,
    rules: () => [rule],
    appInfo: () => ({
      version: '0.1.0',
      platform: 'linux',
      secretsBackend: 'basic_text',
      dataDir: '/data',
    }),
    openExternal: (url) => {
      opened.push(url);
      return Promise.resolve();
    },
    ...over,
  });
  const call = (channel: string, args?: unknown) =>
    dispatch(handlers, channel, args, { validateResults: true });
  return { engine, handlers, opened, call };
}

function expectError(w: Wire<unknown>, code: ErrorCode): { message: string; path?: string } {
  if (w.ok) throw new Error(`expected ${code}, got ok ${JSON.stringify(w.value)}`);
  expect(w.error.code).toBe(code);
  return w.error;
}

describe('createHandlers', () => {
  it('has one handler per contract channel', () => {
    const { handlers } = setup();
    expect(Object.keys(handlers).sort()).toEqual([...invokeChannels].sort());
  });

  it('status.get answers the engine status', async () => {
    const { call, engine } = setup();
    expect(await call('status.get')).toEqual({ ok: true, value: engine.accounts });
  });

  it('pause, resume, checkNow and reconnect drive the engine', async () => {
    const { call, engine } = setup();
    for (const c of ['engine.pause', 'engine.resume', 'engine.checkNow', 'engine.reconnect']) {
      expect(await call(c)).toEqual({ ok: true, value: undefined });
    }
    expect(engine.calls).toEqual([
      'suspend:paused',
      'resume:resumed',
      'checkNow',
      'resume:reconnecting',
    ]);
  });

  it('a named account: unknown → NOT_FOUND, engine untouched; known → that account alone', async () => {
    const { call, engine } = setup();
    const missing = expectError(await call('engine.pause', { accountId: 'nope' }), 'NOT_FOUND');
    expect(missing.path).toBe('accountId');
    expect(engine.calls).toEqual([]);
    for (const c of ['engine.pause', 'engine.resume', 'engine.checkNow', 'engine.reconnect'])
      expect((await call(c, { accountId: 'work' })).ok).toBe(true);
    expect(engine.calls).toEqual([
      'suspend:paused:work',
      'resume:resumed:work',
      'checkNow:work',
      'resume:reconnecting:work',
    ]);
  });

  it('activity.recent: newest first, limited; a query searches a wider window', async () => {
    const { call, engine } = setup();
    engine.entries = Array.from({ length: 30 }, (_, i) =>
      entry(i + 1, i % 10 === 0 ? { subject: `Debian bug ${i + 1}` } : {}),
    );
    const recent = await call('activity.recent', { limit: 2 });
    expect(recent.ok && recent.value).toEqual([engine.entries[29], engine.entries[28]]);
    const found = await call('activity.recent', { limit: 2, query: '  DEBIAN ' });
    expect(found.ok && (found.value as ActivityEntry[]).map((e) => e.uid)).toEqual([21, 11]);
    expect(engine.calls).toEqual(['recent:2', 'recent:5000']);
  });

  it('activity.undo answers the undone entry; an engine throw becomes ENGINE with its message', async () => {
    const { call, engine } = setup();
    engine.entries = [entry(1)];
    const undone = await call('activity.undo', { id: entry(1).id });
    expect(undone.ok && undone.value).toMatchObject({ result: 'undone', undoes: entry(1).id });
    const e = expectError(await call('activity.undo', { id: 'gone' }), 'ENGINE');
    expect(e.message).toBe('no activity entry gone');
  });

  it('rules.get and rules.validate', async () => {
    const { call } = setup();
    expect(await call('rules.get')).toEqual({ ok: true, value: [rule] });
    expect(await call('rules.validate', { rules: [rule] })).toEqual({
      ok: true,
      value: { ok: true, errors: [] },
    });
    const bad = await call('rules.validate', {
      rules: [rule, { ...rule, conditions: [{ field: 'subject', op: 'matches', value: '(?=x)' }] }],
    });
    expect(bad.ok).toBe(true);
    const value = bad.ok ? (bad.value as { ok: boolean; errors: { path: string }[] }) : undefined;
    expect(value?.ok).toBe(false);
    expect(value?.errors.map((e) => e.path)).toEqual([
      'rules[1].id',
      'rules[1].conditions[0].value',
    ]);
  });

  it('app.info, and app.openExternal only for http(s)', async () => {
    const { call, opened } = setup();
    expect(await call('app.info')).toEqual({
      ok: true,
      value: {
        version: '0.1.0',
        platform: 'linux',
        secretsBackend: 'basic_text',
        dataDir: '/data',
      },
    });
    expect(await call('app.openExternal', { url: 'https://example.org/' })).toEqual({
      ok: true,
      value: undefined,
    });
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'https://u:p@example.org/']) {
      const e = expectError(await call('app.openExternal', { url }), 'INVALID_ARGS');
      expect(e.path).toBe('url');
    }
    expect(opened).toEqual(['https://example.org/']);
  });

  it('openExternal re-checks the URL even when called directly (no dispatch)', async () => {
    const { handlers, opened } = setup();
    await expect(handlers['app.openExternal']({ url: 'file:///etc/passwd' })).rejects.toThrow(
      HandlerError,
    );
    expect(opened).toEqual([]);
  });
});

describe('dispatch', () => {
  it('bad args → INVALID_ARGS naming the field, handler not called', async () => {
    const { call, engine } = setup();
    const e = expectError(await call('activity.recent', { limit: 0 }), 'INVALID_ARGS');
    expect(e.path).toBe('limit');
    expect(e.message).toMatch(/^activity\.recent: limit: /);
    const deep = expectError(await call('activity.recent', { limit: 5, query: 7 }), 'INVALID_ARGS');
    expect(deep.path).toBe('query');
    expectError(await call('activity.recent'), 'INVALID_ARGS');
    expectError(await call('status.get', { all: true }), 'INVALID_ARGS');
    expectError(await call('engine.pause', { accountId: 'x', extra: 1 }), 'INVALID_ARGS');
    expect(engine.calls).toEqual([]);
  });

  it('nested field paths are spelled like validateRules paths', async () => {
    const { call } = setup();
    const e = expectError(await call('rules.validate', { rules: 'all of them' }), 'INVALID_ARGS');
    expect(e.path).toBe('rules');
  });

  it('unknown channels, including inherited property names, → UNKNOWN_CHANNEL', async () => {
    const { call } = setup();
    for (const c of ['status.set', 'constructor', '__proto__', 'toString', '']) {
      expectError(await call(c), 'UNKNOWN_CHANNEL');
    }
  });

  it('a HandlerError keeps its code; anything else thrown is ENGINE', async () => {
    const { call } = setup({
      rules: () => {
        throw new HandlerError(ErrorCode.NOT_FOUND, 'no settings yet');
      },
      appInfo: () => {
        throw new TypeError('boom');
      },
    });
    expect(expectError(await call('rules.get'), 'NOT_FOUND').message).toBe('no settings yet');
    expect(expectError(await call('app.info'), 'ENGINE').message).toBe('boom');
  });

  it('checks results against the contract when asked (dev/tests), not otherwise', async () => {
    const broken = {
      ...setup().handlers,
      'status.get': () => Promise.resolve([{ accountId: 'x' }]),
    } as unknown as Handlers;
    const checked = await dispatch(broken, 'status.get', undefined, { validateResults: true });
    const e = expectError(checked, 'INVALID_RESULT');
    expect(e.message).toMatch(/^status\.get answered off-contract: \[0\]\.state: /);
    const unchecked = await dispatch(broken, 'status.get', undefined, { validateResults: false });
    expect(unchecked.ok).toBe(true);
  });

  it('checks results by default under test (NODE_ENV is not production)', async () => {
    const broken = {
      ...setup().handlers,
      'app.info': () => Promise.resolve({ version: 1 }),
    } as unknown as Handlers;
    expectError(await dispatch(broken, 'app.info', undefined), 'INVALID_RESULT');
  });

  it('every answer is plain data that survives structured cloning', async () => {
    const { call, engine } = setup();
    engine.entries = [entry(1)];
    for (const w of [
      await call('status.get'),
      await call('activity.recent', { limit: 5 }),
      await call('activity.recent', { limit: -1 }),
    ]) {
      expect(structuredClone(w)).toEqual(w);
    }
  });
});

describe('subscribe', () => {
  it('forwards engine events as contract events until unsubscribed', () => {
    const engine = new FakeEngine();
    const got: [EventName, unknown][] = [];
    const off = subscribe(engine, (event, payload) => got.push([event, payload]));
    engine.emitStatus();
    engine.emitActivity(entry(1));
    off();
    engine.emitStatus();
    expect(got).toEqual([
      ['status.changed', engine.accounts],
      ['activity.appended', entry(1)],
    ]);
  });

  it('a failing emit never reaches the engine (it is inside message handling)', () => {
    const engine = new FakeEngine();
    const warned: string[] = [];
    const log = {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => void warned.push(m),
      error: () => undefined,
      child: () => log,
    };
    subscribe(
      engine,
      () => {
        throw new Error('Object has been destroyed');
      },
      log,
    );
    expect(() => engine.emitActivity(entry(1))).not.toThrow();
    expect(warned).toHaveLength(1);
  });
});

describe('settings and password channels', () => {
  const settingsDoc = defaults();
  const store = (): NonNullable<HandlerDeps['settings']> & { patches: unknown[] } => {
    const patches: unknown[] = [];
    return {
      patches,
      get: () => settingsDoc,
      update: (patch) => {
        patches.push(patch);
        if (patch.rules?.some((r) => r.name === 'bad')) {
          throw Object.assign(new Error('settings not saved'), {
            problems: [
              { path: 'rules[0].conditions[0].value', message: 'lookahead is not supported' },
            ],
          });
        }
        return { ...settingsDoc, ...patch } as typeof settingsDoc;
      },
    };
  };

  it('settings.get answers the settings; without a store (headless) it is UNSUPPORTED', async () => {
    const withStore = setup({ settings: store() });
    const got = await dispatch(withStore.handlers, 'settings.get', undefined);
    expect(got).toEqual({ ok: true, value: settingsDoc });
    const headless = setup();
    const wire = await dispatch(headless.handlers, 'settings.get', undefined);
    expect(wire.ok ? undefined : wire.error.code).toBe(ErrorCode.UNSUPPORTED);
  });

  it('settings.update passes the patch; a refused one is INVALID_ARGS naming the field', async () => {
    const s = store();
    const { handlers } = setup({ settings: s });
    const ok = await dispatch(handlers, 'settings.update', { startAtLogin: true });
    expect(ok.ok).toBe(true);
    expect(s.patches).toEqual([{ startAtLogin: true }]);
    const bad = await dispatch(handlers, 'settings.update', { rules: [{ ...rule, name: 'bad' }] });
    expect(bad.ok ? undefined : bad.error).toMatchObject({
      code: ErrorCode.INVALID_ARGS,
      path: 'rules[0].conditions[0].value',
    });
    const unknownKey = await dispatch(handlers, 'settings.update', { password: 'x' });
    expect(unknownKey.ok ? undefined : unknownKey.error.code).toBe(ErrorCode.INVALID_ARGS);
  });

  it("settings.update deletes a removed keychain account's password, after saving", async () => {
    const keychainAccount = (id: string) => ({
      id,
      host: 'imap.example.org',
      tls: 'implicit' as const,
      insecureSkipVerify: false,
      user: id,
      password: id === 'cmd' ? { command: 'pass show x' } : { keychain: true as const },
      mailboxes: ['INBOX'],
    });
    let doc = { ...settingsDoc, accounts: ['work', 'home', 'cmd'].map(keychainAccount) };
    const forgotten: string[] = [];
    const { handlers } = setup({
      settings: {
        get: () => doc,
        update: (patch) => (doc = { ...doc, ...patch } as typeof doc),
      },
      forgetPassword: (id) => Promise.resolve(void forgotten.push(id)),
    });
    const wire = await dispatch(handlers, 'settings.update', {
      accounts: [keychainAccount('work')],
    });
    expect(wire.ok).toBe(true);
    // home's secret goes; cmd kept none (its password comes from a command).
    expect(forgotten).toEqual(['home']);
  });

  it('accounts.setPassword hands the password to the keychain and answers nothing back', async () => {
    const kept: [string, string][] = [];
    const { handlers } = setup({
      setPassword: (id, pw) => Promise.resolve(void kept.push([id, pw])),
    });
    const wire = await dispatch(handlers, 'accounts.setPassword', {
      accountId: 'work',
      password: 's3cret',
    });
    expect(wire).toEqual({ ok: true, value: undefined });
    expect(kept).toEqual([['work', 's3cret']]);
    expect(JSON.stringify(wire)).not.toContain('s3cret');
    const none = await dispatch(setup().handlers, 'accounts.setPassword', {
      accountId: 'work',
      password: 'x',
    });
    expect(none.ok ? undefined : none.error.code).toBe(ErrorCode.UNSUPPORTED);
  });
});
