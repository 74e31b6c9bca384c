import { describe, expect, it } from 'vitest';
import {
  createNotificationPolicy,
  type NotificationPolicy,
} from '../../../src/main/notification-policy.js';
import type { ActivityEntry } from '../../../src/shared/domain/activity.js';
import type { AccountStatus, ConnectionState } from '../../../src/shared/domain/status.js';

const T0 = Date.UTC(2026, 0, 1, 9);
const SEC = 1_000;
const MIN = 60_000;

function account(id: string, state: ConnectionState, reason: string = state): AccountStatus {
  return {
    accountId: id,
    state,
    reason,
    since: T0,
    mailboxes: [{ mailbox: 'INBOX', state, reason, since: T0, attempts: 0 }],
    handledToday: 0,
    errorsToday: 0,
  };
}

/**
 * A policy on a fake clock: `at(t, …)` feeds statuses at T0 + t, `tick(t)` asks at T0 + t.
 * Defaults: grace 2 min, interval 5 min, quiet after wake 2 min.
 */
function harness(p: NotificationPolicy = createNotificationPolicy()) {
  return {
    p,
    at: (t: number, ...statuses: AccountStatus[]) => p.onStatus(statuses, T0 + t),
    tick: (t: number) => p.tick(T0 + t),
  };
}

const up = (id = 'work'): AccountStatus => account(id, 'watching');
const down = (id = 'work', reason = 'connection failed (ECONNRESET)'): AccountStatus =>
  account(id, 'backing-off', reason);
const retrying = (id = 'work'): AccountStatus => account(id, 'connecting');

describe('connection lost', () => {
  it('stays quiet through the grace period, then notifies once', () => {
    const h = harness();
    expect(h.at(0, up())).toEqual([]);
    expect(h.at(10 * SEC, down())).toEqual([]);
    // Retries in between do not restart the clock.
    expect(h.at(40 * SEC, retrying())).toEqual([]);
    expect(h.at(41 * SEC, down())).toEqual([]);
    expect(h.tick(2 * MIN + 9 * SEC)).toEqual([]);
    expect(h.p.nextDueAt()).toBe(T0 + 2 * MIN + 10 * SEC);
    expect(h.tick(2 * MIN + 10 * SEC)).toEqual([
      {
        kind: 'connection-lost',
        accountId: 'work',
        title: 'Lost the connection to work',
        body: 'Connection failed (ECONNRESET). Solon keeps retrying and will tell you when it is back.',
        view: 'status',
      },
    ]);
    // Once per outage.
    expect(h.tick(10 * MIN)).toEqual([]);
    expect(h.at(11 * MIN, down())).toEqual([]);
  });

  it('says nothing when the connection comes back within the grace period', () => {
    const h = harness();
    h.at(0, up());
    h.at(10 * SEC, down());
    expect(h.at(90 * SEC, up())).toEqual([]);
    expect(h.tick(10 * MIN)).toEqual([]);
    expect(h.p.nextDueAt()).toBeUndefined();
  });

  it('catching up counts as connected: a later drop starts a new clock', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    h.at(100 * SEC, account('work', 'syncing'));
    h.at(110 * SEC, down());
    expect(h.tick(2 * MIN + 1)).toEqual([]);
    expect(h.tick(110 * SEC + 2 * MIN)).toHaveLength(1);
  });

  it('an account that never connected is reported as "cannot connect"', () => {
    const h = harness();
    h.at(0, retrying());
    h.at(5 * SEC, down('work', "cannot resolve the server's name (ENOTFOUND)"));
    const [n] = h.tick(2 * MIN);
    expect(n).toMatchObject({ kind: 'connection-lost', title: 'Cannot connect to work' });
    expect(n?.body).toMatch(/^Cannot resolve the server's name \(ENOTFOUND\)\./);
  });

  it('accounts that go down together make one notification', () => {
    const h = harness();
    h.at(0, up('work'), up('home'), up('club'));
    h.at(5 * SEC, down('work'), down('home'), up('club'));
    expect(h.tick(2 * MIN + 5 * SEC)).toEqual([
      {
        kind: 'connection-lost',
        title: 'Lost the connection to 2 accounts',
        body: 'work, home. Solon keeps retrying and will tell you when they are back.',
        view: 'status',
      },
    ]);
    // Each is restored on its own.
    expect(h.at(3 * MIN, up('work'), down('home'), up('club'))).toMatchObject([
      { kind: 'connection-restored', accountId: 'work' },
    ]);
  });

  it('pausing (suspended) or quitting (stopped) is not an outage', () => {
    const h = harness();
    h.at(0, up());
    h.at(1 * SEC, down());
    h.at(2 * SEC, account('work', 'suspended', 'paused'));
    expect(h.tick(30 * MIN)).toEqual([]);
    h.at(31 * MIN, down());
    h.at(32 * MIN, account('work', 'stopped'));
    expect(h.tick(60 * MIN)).toEqual([]);
  });

  it('statuses that arrive late still report a due loss', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    expect(h.at(3 * MIN, retrying())).toMatchObject([{ kind: 'connection-lost' }]);
  });
});

describe('sleep the OS announced', () => {
  it('never notifies while asleep', () => {
    const h = harness();
    h.at(0, up());
    h.p.onSuspend(T0 + 1 * SEC);
    h.at(1 * SEC, account('work', 'suspended', 'the computer is going to sleep'));
    // Whatever arrives while asleep, nothing is due.
    h.at(2 * SEC, down());
    expect(h.tick(30 * MIN)).toEqual([]);
    expect(h.p.nextDueAt()).toBeUndefined();
  });

  it('is quiet for afterWakeQuietMs after a wake, even if the grace period is shorter', () => {
    const h = harness(createNotificationPolicy({ graceMs: 30 * SEC, afterWakeQuietMs: 2 * MIN }));
    h.at(0, up());
    h.p.onSuspend(T0);
    h.at(0, account('work', 'suspended'));
    h.p.onResume(T0 + 8 * 60 * MIN); // eight hours later
    const woke = 8 * 60 * MIN;
    h.at(woke + 1 * SEC, retrying());
    h.at(woke + 5 * SEC, down());
    expect(h.tick(woke + 1 * MIN)).toEqual([]);
    expect(h.tick(woke + 2 * MIN - 1)).toEqual([]);
    expect(h.p.nextDueAt()).toBe(T0 + woke + 2 * MIN);
    expect(h.tick(woke + 2 * MIN)).toMatchObject([{ kind: 'connection-lost', accountId: 'work' }]);
  });

  it('a wake that reconnects in time says nothing at all', () => {
    const h = harness();
    h.at(0, up());
    h.p.onSuspend(T0 + 1 * MIN);
    h.at(1 * MIN, account('work', 'suspended'));
    h.p.onResume(T0 + 60 * MIN);
    h.at(60 * MIN, retrying());
    h.at(60 * MIN + 20 * SEC, down());
    h.at(60 * MIN + 50 * SEC, account('work', 'syncing'));
    expect(h.at(61 * MIN, up())).toEqual([]);
    expect(h.tick(120 * MIN)).toEqual([]);
  });

  it('an outage that began before the sleep does not carry over it', () => {
    const h = harness(createNotificationPolicy({ afterWakeQuietMs: 30 * SEC }));
    h.at(0, up());
    h.at(1 * SEC, down());
    h.p.onSuspend(T0 + 90 * SEC);
    h.p.onResume(T0 + 10 * MIN);
    h.at(10 * MIN, retrying());
    // The clock restarts at the wake: due at 10 min + grace, not at wake + quiet (10:30).
    expect(h.tick(11 * MIN)).toEqual([]);
    expect(h.tick(12 * MIN)).toHaveLength(1);
  });
});

describe('restored', () => {
  it('follows a notified loss, once', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    expect(h.tick(2 * MIN)).toHaveLength(1);
    expect(h.at(3 * MIN, account('work', 'syncing'))).toEqual([]);
    expect(h.at(3 * MIN + 5 * SEC, up())).toEqual([
      {
        kind: 'connection-restored',
        accountId: 'work',
        title: 'Connected to work again',
        body: 'Solon is watching for new mail.',
        view: 'status',
      },
    ]);
    expect(h.at(4 * MIN, account('work', 'probing'))).toEqual([]);
    expect(h.at(4 * MIN + 1, up())).toEqual([]);
  });

  it('is not sent for a loss nobody was told about', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    expect(h.at(1 * MIN, up())).toEqual([]);
  });

  it('bypasses the rate limit (it answers a loss that was shown)', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    h.tick(2 * MIN);
    expect(h.at(2 * MIN + 1 * SEC, up())).toMatchObject([{ kind: 'connection-restored' }]);
  });
});

describe('auth failure', () => {
  it('notifies at once, naming the account and what to do', () => {
    const h = harness();
    h.at(0, up());
    expect(h.at(1 * SEC, account('work', 'auth-failed'))).toEqual([
      {
        kind: 'auth-failed',
        accountId: 'work',
        title: 'Solon cannot sign in to work',
        body: 'The server refused the user name or password. Open Solon → Accounts to fix the password.',
        view: 'accounts',
      },
    ]);
    // Not again while it stays failed.
    expect(h.at(2 * SEC, account('work', 'auth-failed'))).toEqual([]);
    expect(h.tick(60 * MIN)).toEqual([]);
  });

  it('bypasses the rate limit, even right after a loss was notified', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    h.tick(2 * MIN);
    expect(h.at(2 * MIN + 1 * SEC, account('work', 'auth-failed'))).toMatchObject([
      { kind: 'auth-failed' },
    ]);
  });

  it('notifies again after the user resumed and it failed again', () => {
    const h = harness();
    h.at(0, account('work', 'auth-failed'));
    h.at(1 * MIN, retrying());
    expect(h.at(1 * MIN + 1 * SEC, account('work', 'auth-failed'))).toHaveLength(1);
  });

  it('is not a connection loss', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    h.at(30 * SEC, account('work', 'auth-failed'));
    expect(h.tick(30 * MIN)).toEqual([]);
  });
});

describe('rate limit', () => {
  it('defers a second loss to the end of the interval, and drops none', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    expect(h.tick(2 * MIN)).toHaveLength(1); // lost
    expect(h.at(2 * MIN + 30 * SEC, up())).toHaveLength(1); // restored (bypasses)
    h.at(2 * MIN + 40 * SEC, down());
    // Grace ends at 4:40, but the last notification for work was at 2:30: wait until 7:30.
    expect(h.tick(4 * MIN + 40 * SEC)).toEqual([]);
    expect(h.p.nextDueAt()).toBe(T0 + 7 * MIN + 30 * SEC);
    expect(h.tick(7 * MIN + 30 * SEC)).toMatchObject([
      { kind: 'connection-lost', accountId: 'work' },
    ]);
  });

  it('a flapping connection that is back by the deferred time stays silent', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, down());
    h.tick(2 * MIN);
    h.at(2 * MIN + 30 * SEC, up());
    h.at(2 * MIN + 40 * SEC, down());
    h.at(6 * MIN, up());
    expect(h.tick(10 * MIN)).toEqual([]);
  });

  it('is per account', () => {
    const h = harness();
    h.at(0, up('work'), up('home'));
    h.at(0, down('work'), up('home'));
    h.tick(2 * MIN);
    h.at(2 * MIN + 10 * SEC, down('work'), down('home'));
    expect(h.tick(4 * MIN + 10 * SEC)).toMatchObject([
      { kind: 'connection-lost', accountId: 'home' },
    ]);
  });
});

function entry(over: Partial<ActivityEntry> = {}): ActivityEntry {
  const uid = over.uid ?? 1;
  return {
    key: `work/INBOX/7/${uid}`,
    id: `work/INBOX/7/${uid}/${T0}`,
    at: T0,
    accountId: 'work',
    mailbox: 'INBOX',
    uidValidity: '7',
    uid,
    from: 'Alice <alice@example.org>',
    subject: 'Re: budget',
    rules: [{ id: 'boss', name: 'From the boss' }],
    actions: 'notify',
    result: 'done',
    undo: [],
    ...over,
  };
}

describe('rule notify action', () => {
  it('shows sender and subject, and opens the entry in Activity', () => {
    const p = createNotificationPolicy();
    expect(p.onActivity(entry(), true)).toEqual([
      {
        kind: 'rule-matched',
        accountId: 'work',
        title: 'Alice <alice@example.org>',
        body: 'Re: budget\nFrom the boss · work',
        view: 'activity',
        entryId: `work/INBOX/7/1/${T0}`,
      },
    ]);
  });

  it('only when a rule asked for it, and not for undo lines', () => {
    const p = createNotificationPolicy();
    expect(p.onActivity(entry(), false)).toEqual([]);
    expect(p.onActivity(entry({ uid: 2, result: 'undone' }), true)).toEqual([]);
  });

  it('once per message, even when it is retried', () => {
    const p = createNotificationPolicy();
    expect(p.onActivity(entry({ result: 'error', id: 'a' }), true)).toHaveLength(1);
    expect(p.onActivity(entry({ result: 'done', id: 'b' }), true)).toEqual([]);
  });

  it('a burst shows three, then one summary when the window ends', () => {
    const p = createNotificationPolicy({ ruleBurst: 3, ruleBurstWindowMs: MIN });
    const shown = [1, 2, 3, 4, 5, 6].flatMap((uid) =>
      p.onActivity(entry({ uid, at: T0 + uid * SEC }), true),
    );
    expect(shown.map((n) => n.kind)).toEqual(['rule-matched', 'rule-matched', 'rule-matched']);
    expect(p.nextDueAt()).toBe(T0 + 1 * SEC + MIN);
    expect(p.tick(T0 + 30 * SEC)).toEqual([]);
    expect(p.tick(T0 + 1 * SEC + MIN)).toEqual([
      {
        kind: 'rule-summary',
        accountId: 'work',
        title: '3 more messages in work matched your rules',
        body: 'Open Activity to see them.',
        view: 'activity',
      },
    ]);
    expect(p.tick(T0 + 10 * MIN)).toEqual([]);
    // A new window starts fresh.
    expect(p.onActivity(entry({ uid: 7, at: T0 + 20 * MIN }), true)).toHaveLength(1);
  });

  it('a new message after the window flushes the old summary first', () => {
    const p = createNotificationPolicy({ ruleBurst: 1, ruleBurstWindowMs: MIN });
    p.onActivity(entry({ uid: 1 }), true);
    p.onActivity(entry({ uid: 2 }), true);
    expect(p.onActivity(entry({ uid: 3, at: T0 + 2 * MIN }), true).map((n) => n.kind)).toEqual([
      'rule-summary',
      'rule-matched',
    ]);
  });

  it('does not use the connection rate limit', () => {
    const h = harness();
    h.at(0, up());
    h.at(0, account('work', 'auth-failed'));
    expect(h.p.onActivity(entry({ at: T0 + 1 * SEC }), true)).toHaveLength(1);
  });
});
