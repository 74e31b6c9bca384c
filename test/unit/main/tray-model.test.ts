import { describe, expect, it } from 'vitest';
import {
  ago,
  overallState,
  trayIconFile,
  trayIconStates,
  trayModel,
  truncate,
  type MenuItemSpec,
  type TrayContext,
  type TrayIconState,
} from '../../../src/main/tray-model.js';
import type { AccountStatus, ConnectionState } from '../../../src/shared/domain/status.js';

const NOW = Date.UTC(2026, 0, 1, 9);

/** An account in `state`; `attempts` > 0 makes a connecting account a reconnect. */
function account(
  id: string,
  state: ConnectionState,
  extra: Partial<AccountStatus> & { attempts?: number } = {},
): AccountStatus {
  const { attempts = 0, ...rest } = extra;
  return {
    accountId: id,
    state,
    reason: state,
    since: NOW - 60_000,
    mailboxes: [
      { mailbox: 'INBOX', state, reason: state, since: NOW - 60_000, attempts, code: rest.code },
    ],
    handledToday: 0,
    errorsToday: 0,
    ...rest,
  };
}

const ctx = (over: Partial<TrayContext> = {}): TrayContext => ({
  paused: false,
  startAtLogin: false,
  now: NOW,
  platform: 'linux',
  darkPanel: true,
  ...over,
});

const watching = (id = 'work'): AccountStatus => account(id, 'watching');
const offline = (id = 'home'): AccountStatus =>
  account(id, 'backing-off', { code: 'ENOTFOUND', nextRetryAt: NOW + 30_000 });
const dropped = (id = 'home'): AccountStatus =>
  account(id, 'backing-off', { code: 'ECONNRESET', nextRetryAt: NOW + 30_000 });
const reconnecting = (id = 'home'): AccountStatus => account(id, 'connecting', { attempts: 2 });

describe('overallState', () => {
  it.each<[string, AccountStatus[], Partial<TrayContext>, TrayIconState]>([
    ['every account watching', [watching('a'), watching('b')], {}, 'ok'],
    ['a probe is routine, not a change', [watching('a'), account('b', 'probing')], {}, 'ok'],
    ['first connect', [watching('a'), account('b', 'connecting')], {}, 'working'],
    ['catching up', [account('a', 'syncing')], {}, 'working'],
    ['engine not started yet', [account('a', 'stopped')], {}, 'working'],
    ['one account dropped', [watching('a'), dropped('b')], {}, 'degraded'],
    ['one account reconnecting', [watching('a'), reconnecting('b')], {}, 'degraded'],
    ['one account offline, another watching', [watching('a'), offline('b')], {}, 'degraded'],
    ['degraded outranks working', [account('a', 'syncing'), dropped('b')], {}, 'degraded'],
    ['all offline', [offline('a'), offline('b')], {}, 'offline'],
    ['offline while another retries', [offline('a'), reconnecting('b')], {}, 'offline'],
    ['all reconnecting, no code known', [reconnecting('a'), reconnecting('b')], {}, 'degraded'],
    ['refused is not offline', [dropped('a'), offline('b')], {}, 'degraded'],
    ['the OS says no network', [dropped('a'), reconnecting('b')], { online: false }, 'offline'],
    [
      'no network but one still watching',
      [watching('a'), dropped('b')],
      { online: false },
      'degraded',
    ],
    ['no network but one catching up', [account('a', 'syncing')], { online: false }, 'working'],
    ['no network at start-up', [account('a', 'connecting')], { online: false }, 'offline'],
    ['wrong password', [watching('a'), account('b', 'auth-failed')], {}, 'attention'],
    ['attention outranks offline', [offline('a'), account('b', 'auth-failed')], {}, 'attention'],
    ['missing mailbox', [account('a', 'backing-off', { code: 'NONEXISTENT' })], {}, 'attention'],
    ['password command failed', [account('a', 'backing-off', { code: 'SETUP' })], {}, 'attention'],
    [
      'untrusted certificate',
      [account('a', 'backing-off', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })],
      {},
      'attention',
    ],
    ['no accounts', [], {}, 'attention'],
    [
      'a watcher died of a bug',
      [watching('a'), account('b', 'stopped', { code: 'INTERNAL' })],
      {},
      'attention',
    ],
    ['user paused', [account('a', 'suspended')], { paused: true }, 'paused'],
    ['paused outranks attention', [account('a', 'auth-failed')], { paused: true }, 'paused'],
    ['paused with no accounts', [], { paused: true }, 'paused'],
    [
      'all suspended by the OS',
      [account('a', 'suspended'), account('b', 'suspended')],
      {},
      'paused',
    ],
    [
      'mid-resume: suspended ones are left out',
      [account('a', 'suspended'), watching('b')],
      {},
      'ok',
    ],
  ])('%s → %s', (_name, statuses, over, expected) => {
    expect(overallState(statuses, ctx(over))).toBe(expected);
  });

  it('a per-message error does not change the icon', () => {
    const a = watching('a');
    a.lastError = { at: NOW, mailbox: 'INBOX', subject: 'x', error: 'folder missing' };
    a.errorsToday = 3;
    expect(overallState([a], ctx())).toBe('ok');
  });
});

describe('trayIconFile', () => {
  it.each(trayIconStates)('%s: template on macOS, panel variants elsewhere', (state) => {
    expect(trayIconFile(state, 'darwin', true)).toBe(`tray-${state}Template.png`);
    expect(trayIconFile(state, 'darwin', false)).toBe(`tray-${state}Template.png`);
    expect(trayIconFile(state, 'win32', true)).toBe(`tray-${state}-on-dark-16.png`);
    expect(trayIconFile(state, 'win32', false)).toBe(`tray-${state}-on-light-16.png`);
    expect(trayIconFile(state, 'linux', true)).toBe(`tray-${state}-on-dark-32.png`);
    expect(trayIconFile(state, 'freebsd', false)).toBe(`tray-${state}-on-light-32.png`);
  });

  it('macOS template names end in "Template", as Electron requires', () => {
    for (const s of trayIconStates)
      expect(trayIconFile(s, 'darwin', false).replace(/\.png$/, '')).toMatch(/Template$/);
  });

  it('the model names the file for its icon', () => {
    const m = trayModel([offline('a')], ctx({ platform: 'win32', darkPanel: false }));
    expect(m.icon).toBe('offline');
    expect(m.iconFile).toBe('tray-offline-on-light-16.png');
  });
});

const byId = (menu: MenuItemSpec[], id: string): MenuItemSpec | undefined =>
  menu.find((m) => 'id' in m && m.id === id);
const labels = (menu: MenuItemSpec[]): string[] =>
  menu.map((m) => (m.type === 'separator' ? '---' : m.label));

describe('tray menu', () => {
  it('lists accounts, then the actions, then settings and Quit', () => {
    const m = trayModel([watching('work'), dropped('home')], ctx({ startAtLogin: true }));
    expect(labels(m.menu)).toEqual([
      'work — watching',
      'home — connection lost, retry in 30 s',
      '---',
      'Pause all',
      'Check now',
      'Open Solon',
      'Rules…',
      'Activity…',
      '---',
      'Start at login',
      'Quit Solon',
    ]);
    expect(m.menu.slice(0, 2).every((i) => i.type === 'info')).toBe(true);
    expect(byId(m.menu, 'start-at-login')).toEqual({
      type: 'checkbox',
      id: 'start-at-login',
      label: 'Start at login',
      checked: true,
    });
  });

  it('offers Resume instead of Pause while paused, and greys out Check now', () => {
    const m = trayModel([account('work', 'suspended')], ctx({ paused: true }));
    expect(byId(m.menu, 'pause')).toBeUndefined();
    expect(byId(m.menu, 'resume')).toMatchObject({ label: 'Resume all', enabled: true });
    expect(byId(m.menu, 'check-now')).toMatchObject({ enabled: false });
    expect(m.menu[0]).toEqual({ type: 'info', label: 'work — paused' });
  });

  it('Start at login unchecked follows the setting', () => {
    const m = trayModel([watching()], ctx({ startAtLogin: false }));
    expect(byId(m.menu, 'start-at-login')).toMatchObject({ checked: false });
  });

  it('every actionable item has an id; every id appears once', () => {
    const m = trayModel([watching()], ctx());
    const ids = m.menu.flatMap((i) => ('id' in i ? [i.id] : []));
    expect(ids).toEqual([
      'pause',
      'check-now',
      'open',
      'rules',
      'activity',
      'start-at-login',
      'quit',
    ]);
  });

  it('says so when there are no accounts', () => {
    const m = trayModel([], ctx());
    expect(m.menu[0]).toEqual({ type: 'info', label: 'No accounts yet' });
    expect(byId(m.menu, 'check-now')).toMatchObject({ enabled: false });
    expect(byId(m.menu, 'open')).toMatchObject({ enabled: true });
  });

  it.each<[string, AccountStatus, string]>([
    ['first connect', account('a', 'connecting'), 'a — connecting'],
    ['retry', reconnecting('a'), 'a — reconnecting'],
    ['catching up', account('a', 'syncing'), 'a — catching up'],
    ['offline', offline('a'), 'a — offline, retry in 30 s'],
    ['auth', account('a', 'auth-failed'), 'a — sign-in failed — fix the password'],
    [
      'config error names itself',
      account('a', 'backing-off', {
        code: 'NONEXISTENT',
        reason: 'mailbox "Lists" does not exist on the server',
      }),
      'a — mailbox "Lists" does not exist on the server',
    ],
    ['errors today', { ...watching('a'), errorsToday: 2 }, 'a — watching · 2 failed today'],
  ])('account line: %s', (_name, status, label) => {
    expect(trayModel([status], ctx()).menu[0]).toEqual({ type: 'info', label });
  });

  it('keeps account lines to 80 characters', () => {
    const long = account('a', 'backing-off', { code: 'NONEXISTENT', reason: 'x'.repeat(200) });
    const item = trayModel([long], ctx()).menu[0]!;
    expect(item.type === 'info' && item.label.length).toBe(80);
  });
});

describe('tooltip', () => {
  it('says when the classifier is degraded, without changing the icon', () => {
    const a = watching();
    a.classifier = { state: 'degraded', reason: 'refused', since: NOW };
    const m = trayModel([a], ctx());
    expect(m.tooltip).toBe('Solon\nwork: watching (classifier degraded)');
    expect(overallState([a], ctx())).toBe('ok');
  });

  const withLast = (id: string, subject: string, agoMs: number): AccountStatus => ({
    ...watching(id),
    lastMessage: { at: NOW - agoMs, mailbox: 'INBOX', from: 'x@y', subject, summary: '' },
  });

  it('gives each account its state and last activity', () => {
    const m = trayModel([withLast('work', 'Re: budget', 120_000), offline('home')], ctx());
    expect(m.tooltip).toBe(
      'Solon — reconnecting\nwork: watching — last: Re: budget (2 min ago)\nhome: offline, retry in 30 s',
    );
  });

  it('a headline for the overall state', () => {
    expect(trayModel([watching()], ctx()).tooltip).toBe('Solon\nwork: watching');
    expect(trayModel([account('w', 'suspended')], ctx({ paused: true })).tooltip).toBe(
      'Solon — paused\nw: paused',
    );
    expect(trayModel([], ctx()).tooltip).toBe(
      'Solon — needs attention\nno accounts yet: open Solon to add one',
    );
  });

  it('fits Windows’ 127 characters by shortening long subjects', () => {
    const statuses = [
      withLast(
        'work',
        'A very long subject line about the quarterly budget review meeting',
        60_000,
      ),
      withLast('home', 'Another long subject: your parcel is on its way, track it here', 60_000),
    ];
    const tip = trayModel(statuses, ctx({ platform: 'win32' })).tooltip;
    expect(tip.length).toBeLessThanOrEqual(127);
    const lines = tip.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^work: watching — last: A very long.*…$/);
    expect(lines[2]).toMatch(/^home: watching — last: Another.*…$/);
    // Elsewhere the same text fits whole.
    const roomy = trayModel(statuses, ctx({ platform: 'darwin' })).tooltip;
    expect(roomy).toContain('the quarterly budget review meeting (1 min ago)');
  });

  it('with many accounts, ends in "+N more" and stays within the limit', () => {
    const many = Array.from({ length: 12 }, (_, i) => withLast(`account${i}`, 'hello', 60_000));
    const tip = trayModel(many, ctx({ platform: 'win32' })).tooltip;
    expect(tip.length).toBeLessThanOrEqual(127);
    const lines = tip.split('\n');
    expect(lines[0]).toBe('Solon');
    expect(lines.at(-1)).toMatch(/^\+\d+ more$/);
    const shown = lines.length - 2;
    expect(lines.at(-1)).toBe(`+${12 - shown} more`);
    expect(shown).toBeGreaterThan(0);
  });

  it('never exceeds the limit, whatever the names and subjects', () => {
    for (let n = 1; n <= 20; n++) {
      const statuses = Array.from({ length: n }, (_, i) =>
        withLast(`a${'x'.repeat(i * 3)}`, 's'.repeat(i * 17), i * 1_000_000),
      );
      for (const platform of ['win32', 'linux'] as const) {
        const tip = trayModel(statuses, ctx({ platform })).tooltip;
        expect(tip.length).toBeLessThanOrEqual(platform === 'win32' ? 127 : 255);
      }
    }
  });
});

describe('helpers', () => {
  it('truncate never splits a surrogate pair', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });

  it.each([
    [10_000, 'just now'],
    [60_000, '1 min ago'],
    [59 * 60_000, '59 min ago'],
    [3 * 3_600_000, '3 h ago'],
    [5 * 86_400_000, '5 d ago'],
  ])('ago(%i) = %s', (ms, text) => {
    expect(ago(ms)).toBe(text);
  });
});
