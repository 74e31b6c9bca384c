/**
 * The AppHost's lifecycle with a stand-in engine: what restarts the engine and what does not,
 * that the user's Pause (all, or one account) survives a restart, one stop/start at a time,
 * and a bounded stop. The real engine under the host is exercised by the window's browser
 * tests (test/e2e), which run on this very host.
 */
import { describe, expect, it } from 'vitest';
import { createAppHost, type AppHostDeps } from '../../../src/main/core/app-host.js';
import type { Engine, EngineDeps } from '../../../src/main/core/engine.js';
import { defaults } from '../../../src/main/core/settings/defaults.js';
import type { SettingsListener } from '../../../src/main/core/settings/settings-store.js';
import type { AccountStatus } from '../../../src/shared/domain/status.js';
import type { AppSettings } from '../../../src/shared/domain/settings.js';
import { Account } from '../../../src/shared/domain/account.js';
import { Rule } from '../../../src/shared/domain/rule.js';
import { waitFor } from '../../helpers/fake-clock.js';

class FakeSettings {
  current: AppSettings = defaults();
  readonly listeners = new Set<SettingsListener>();
  get(): AppSettings {
    return structuredClone(this.current);
  }
  onChange(fn: SettingsListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  set(patch: Partial<AppSettings>): void {
    const prev = this.current;
    this.current = { ...prev, ...patch };
    for (const fn of this.listeners) fn(this.get(), prev);
  }
}

interface FakeEngine extends Engine {
  calls: string[];
  deps: EngineDeps;
}

function fakeEngineFactory(opts: { stopHangs?: boolean; failStart?: string } = {}) {
  const built: FakeEngine[] = [];
  const make = (deps: EngineDeps): Engine => {
    const calls: string[] = [];
    const statusFns = new Set<(s: AccountStatus[]) => void>();
    const status = (): AccountStatus[] =>
      deps.config.accounts.map((a) => ({
        accountId: a.id,
        state: 'watching',
        reason: '',
        since: 0,
        mailboxes: [],
        handledToday: 0,
        errorsToday: 0,
      }));
    const e: FakeEngine = {
      calls,
      deps,
      start: () => {
        calls.push('start');
        return opts.failStart ? Promise.reject(new Error(opts.failStart)) : Promise.resolve();
      },
      stop: () => {
        calls.push('stop');
        return opts.stopHangs ? new Promise<void>(() => undefined) : Promise.resolve();
      },
      suspend: (r, id) => void calls.push(`suspend:${r}${id ? `:${id}` : ''}`),
      resume: (r, id) => void calls.push(`resume:${r}${id ? `:${id}` : ''}`),
      probe: () => Promise.resolve(),
      checkNow: (id) => void calls.push(`checkNow${id ? `:${id}` : ''}`),
      status,
      onStatus: (fn) => {
        statusFns.add(fn);
        return () => statusFns.delete(fn);
      },
      onActivity: () => () => undefined,
      caughtUp: () => Promise.resolve(),
      recentActivity: () => Promise.resolve([]),
      undo: () => Promise.reject(new Error('no')),
    };
    built.push(e);
    return e;
  };
  return { built, make };
}

const account = (id: string) =>
  Account.parse({ id, host: 'imap.example.org', user: id, password: { keychain: true } });
const rule = Rule.parse({
  id: 'r1',
  name: 'lists',
  conditions: [{ field: 'list-id', op: 'exists' }],
  actions: [{ type: 'flag' }],
});

function setup(extra: Partial<AppHostDeps> = {}, factory = fakeEngineFactory()) {
  const settings = new FakeSettings();
  const host = createAppHost({
    settings,
    secrets: { password: () => Promise.resolve('pw') },
    dataDir: '/nonexistent/solon-data',
    reloadDelayMs: 0,
    makeEngine: factory.make,
    ...extra,
  });
  return { settings, host, built: factory.built };
}

describe('AppHost', () => {
  it('runs nothing without an account, and starts when one is saved', async () => {
    const { settings, host, built } = setup();
    await host.start();
    expect(host.engine()).toBeUndefined();
    expect(host.startError()).toBeUndefined();
    settings.set({ accounts: [account('work')] });
    await waitFor('an engine', () => host.engine());
    expect(built).toHaveLength(1);
    expect(built[0]!.deps.config.accounts.map((a) => a.id)).toEqual(['work']);
    expect(built[0]!.deps.dataDir).toBe('/nonexistent/solon-data');
    await host.stop();
  });

  it('restarts on what the engine runs on (rules), not on notifications or start at login', async () => {
    const { settings, host, built } = setup();
    settings.set({ accounts: [account('work')] });
    await host.start();
    expect(built).toHaveLength(1);
    settings.set({ notifications: { enabled: false, connectionLost: true, ruleNotify: true } });
    settings.set({ startAtLogin: true });
    settings.set({ rules: [rule] });
    await waitFor('a second engine', () => built.length === 2 && host.engine() === built[1]);
    expect(built[0]!.calls).toEqual(['start', 'stop']);
    expect(built[1]!.deps.config.rules.map((r) => r.id)).toEqual(['r1']);
    await host.stop();
    expect(built).toHaveLength(2);
  });

  it("keeps the user's Pause, global and per account, across a restart", async () => {
    const { settings, host, built } = setup();
    settings.set({ accounts: [account('work'), account('home')] });
    await host.start();
    host.controls.suspend('paused', 'home');
    expect(built[0]!.calls).toContain('suspend:paused:home');
    settings.set({ rules: [rule] });
    await waitFor('a second engine', () => host.engine() === built[1]);
    expect(built[1]!.calls).toEqual(['start', 'suspend:paused:home']);
    expect(host.paused()).toBe(false);

    host.controls.suspend('paused');
    expect(host.paused()).toBe(true);
    settings.set({ rules: [] });
    await waitFor('a third engine', () => host.engine() === built[2]);
    expect(built[2]!.calls).toEqual(['start', 'suspend:paused', 'suspend:paused:home']);

    // Resume all clears both; the next engine runs free.
    host.controls.resume('resumed');
    settings.set({ rules: [rule] });
    await waitFor('a fourth engine', () => host.engine() === built[3]);
    expect(built[3]!.calls).toEqual(['start']);
    await host.stop();
  });

  it('a removed account takes its own pause with it', async () => {
    const { settings, host, built } = setup();
    settings.set({ accounts: [account('work'), account('home')] });
    await host.start();
    host.controls.suspend('paused', 'home');
    settings.set({ accounts: [account('work')] });
    await waitFor('a second engine', () => host.engine() === built[1]);
    settings.set({ accounts: [account('work'), account('home')] });
    await waitFor('a third engine', () => host.engine() === built[2]);
    expect(built[2]!.calls).toEqual(['start']);
    await host.stop();
  });

  it('a failed start is reported, not thrown', async () => {
    const failing = fakeEngineFactory({ failStart: 'boom' });
    const { settings, host } = setup({}, failing);
    settings.set({ accounts: [account('work')] });
    await host.start();
    expect(host.engine()).toBeUndefined();
    expect(host.startError()).toBe('boom');
    await host.stop();
  });

  it('stop is bounded when the engine hangs on a dead network', async () => {
    const { settings, host } = setup({}, fakeEngineFactory({ stopHangs: true }));
    settings.set({ accounts: [account('work')] });
    await host.start();
    const started = Date.now();
    await host.stop(100);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(host.engine()).toBeUndefined();
  });

  it('finds an account saved a moment ago, before the engine reloads', async () => {
    const { settings, host } = setup({ reloadDelayMs: 60_000 });
    settings.set({ accounts: [account('work')] });
    await host.start();
    settings.set({ accounts: [account('work'), account('new')] });
    expect(host.account('new')?.id).toBe('new');
    expect(host.account('nope')).toBeUndefined();
    await host.stop();
  });

  it('a listener that throws does not break the engine or the other listeners', async () => {
    const { settings, host } = setup();
    const seen: number[] = [];
    host.onStatus(() => {
      throw new Error('window gone');
    });
    host.onStatus((s) => seen.push(s.length));
    settings.set({ accounts: [account('work')] });
    await host.start();
    expect(seen).toContain(1);
    await host.stop();
    expect(seen.at(-1)).toBe(0);
  });
});
