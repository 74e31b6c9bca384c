/**
 * When to tell the user something with an OS notification, as a pure state machine: feed it
 * status changes, OS sleep/wake and activity, with the time; it answers with the notifications
 * to show. notifications.ts shows them. Time only enters through the `now` arguments, so tests
 * drive it with plain numbers.
 *
 * Decisions (the why sits next to each number below):
 *  - Connection lost: only once the account has been down (connecting / backing off) for the
 *    whole grace period, never while the OS is asleep, and not within afterWakeQuietMs of a
 *    wake — reconnecting after a wake takes a moment and is not news. Several accounts coming
 *    due together (the network went away) make one notification, not one each.
 *  - Restored: once, and only after a loss was notified; nobody needs "back" for a loss they
 *    never heard of.
 *  - Auth failure: at once, naming the account and what to do.
 *  - Rate limit: at most one connection notification per account per perAccountMinIntervalMs.
 *    A due loss is deferred to the end of the interval, not dropped (if it is still down then,
 *    the user should know). Auth failures and "restored" bypass it: an auth failure can only
 *    repeat after the user acted (resume), and a "restored" is the single answer to a loss that
 *    was shown — dropping it would leave the user believing the account is still down.
 *  - Rule "notify" actions: one per message (by message key, so a retried message does not
 *    notify twice), at most ruleBurst per account per ruleBurstWindowMs; the rest of a burst
 *    (a catch-up after a wake) becomes one "N more" summary when the window ends.
 */
import type { ActivityEntry } from '../shared/domain/activity.js';
import type { AccountStatus, ConnectionState } from '../shared/domain/status.js';

export const NotificationKind = {
  connectionLost: 'connection-lost',
  connectionRestored: 'connection-restored',
  authFailed: 'auth-failed',
  ruleMatched: 'rule-matched',
  ruleSummary: 'rule-summary',
} as const;
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

/** What clicking a notification opens. */
export type NotificationView = 'status' | 'accounts' | 'activity';

export interface Notification {
  kind: NotificationKind;
  /** The account it is about; absent when it is about several. */
  accountId?: string;
  title: string;
  body: string;
  /** The window view a click opens. */
  view: NotificationView;
  /** The activity entry to select (rule notifications). */
  entryId?: string;
}

export interface NotificationPolicyOptions {
  /**
   * How long an account must stay down before "connection lost". Most drops (a Wi-Fi handoff,
   * a server restart, an idle NAT timeout) heal within a minute of backoff; two minutes keeps
   * those silent while a real outage is still reported while it matters.
   */
  graceMs?: number;
  /** At most one connection notification per account in this interval (see header). */
  perAccountMinIntervalMs?: number;
  /**
   * No "connection lost" until this long after the OS says it woke: DHCP, Wi-Fi association
   * and VPNs take tens of seconds, and every connection is rebuilt after a wake anyway.
   */
  afterWakeQuietMs?: number;
  /** Rule notifications shown per account per window before the rest are summarised. */
  ruleBurst?: number;
  /** The window for ruleBurst. */
  ruleBurstWindowMs?: number;
}

export interface NotificationPolicy {
  /** Every status change (engine.onStatus). */
  onStatus(statuses: readonly AccountStatus[], now: number): Notification[];
  /** The OS announced it is going to sleep (powerMonitor 'suspend'). */
  onSuspend(now: number): void;
  /** The OS woke up (powerMonitor 'resume'). */
  onResume(now: number): void;
  /**
   * An activity entry (engine.onActivity); `notifyRule` says a matched rule has the notify
   * action. `now` defaults to the entry's time.
   */
  onActivity(entry: ActivityEntry, notifyRule: boolean, now?: number): Notification[];
  /** Time passed: grace periods and burst windows that ended. */
  tick(now: number): Notification[];
  /** When tick() next has something to do (schedule one timer for it), if anything. */
  nextDueAt(): number | undefined;
}

interface AccountMemory {
  state: ConnectionState;
  /** Why the last failure happened (backing-off reason), for the "lost" body. */
  failure?: string;
  everWatched: boolean;
  /** Start of the current outage; cleared by a connection, a suspend or a stop. */
  downSince?: number;
  lossNotified: boolean;
  /** Last connection notification (lost/restored/auth) for this account. */
  lastNotifiedAt?: number;
}

interface Burst {
  start: number;
  shown: number;
  held: number;
}

/** Remembered message keys for de-duplication; old ones fall off (a retry comes soon or never). */
const maxRememberedKeys = 1000;

export function createNotificationPolicy(opts: NotificationPolicyOptions = {}): NotificationPolicy {
  const graceMs = opts.graceMs ?? 120_000;
  const intervalMs = opts.perAccountMinIntervalMs ?? 5 * 60_000;
  const quietMs = opts.afterWakeQuietMs ?? 120_000;
  const ruleBurst = opts.ruleBurst ?? 3;
  const burstWindowMs = opts.ruleBurstWindowMs ?? 60_000;

  const accounts = new Map<string, AccountMemory>();
  const bursts = new Map<string, Burst>();
  const notifiedKeys = new Set<string>();
  let asleep = false;
  let wokeAt: number | undefined;

  const isDown = (s: ConnectionState): boolean => s === 'connecting' || s === 'backing-off';

  function lossDueAt(m: AccountMemory): number | undefined {
    if (asleep || m.downSince === undefined || m.lossNotified || !isDown(m.state)) return undefined;
    return Math.max(
      m.downSince + graceMs,
      wokeAt !== undefined ? wokeAt + quietMs : -Infinity,
      m.lastNotifiedAt !== undefined ? m.lastNotifiedAt + intervalMs : -Infinity,
    );
  }

  function dueLosses(now: number): Notification[] {
    const due: [string, AccountMemory][] = [];
    for (const [id, m] of accounts) {
      const at = lossDueAt(m);
      if (at !== undefined && now >= at) due.push([id, m]);
    }
    for (const [, m] of due) {
      m.lossNotified = true;
      m.lastNotifiedAt = now;
    }
    if (due.length === 0) return [];
    if (due.length === 1) {
      const [id, m] = due[0]!;
      return [
        {
          kind: NotificationKind.connectionLost,
          accountId: id,
          title: m.everWatched ? `Lost the connection to ${id}` : `Cannot connect to ${id}`,
          body: `${sentence(m.failure ?? 'the server does not answer')} Solon keeps retrying and will tell you when it is back.`,
          view: 'status',
        },
      ];
    }
    // The network went away: one notification naming every account, not a pile of them.
    return [
      {
        kind: NotificationKind.connectionLost,
        title: `Lost the connection to ${due.length} accounts`,
        body: `${due.map(([id]) => id).join(', ')}. Solon keeps retrying and will tell you when they are back.`,
        view: 'status',
      },
    ];
  }

  function dueSummaries(now: number): Notification[] {
    const out: Notification[] = [];
    for (const [id, b] of bursts) {
      if (now - b.start < burstWindowMs) continue;
      if (b.held > 0) out.push(summary(id, b.held));
      bursts.delete(id);
    }
    return out;
  }

  function summary(accountId: string, n: number): Notification {
    return {
      kind: NotificationKind.ruleSummary,
      accountId,
      title: `${n} more ${n === 1 ? 'message' : 'messages'} in ${accountId} matched your rules`,
      body: 'Open Activity to see them.',
      view: 'activity',
    };
  }

  return {
    onStatus(statuses, now) {
      const out: Notification[] = [];
      const seen = new Set<string>();
      for (const s of statuses) {
        seen.add(s.accountId);
        let m = accounts.get(s.accountId);
        if (!m) {
          m = { state: s.state, everWatched: false, lossNotified: false };
          accounts.set(s.accountId, m);
        }
        const prev = m.state;
        m.state = s.state;
        switch (s.state) {
          case 'watching':
          case 'probing':
            m.everWatched = true;
            m.downSince = undefined;
            m.failure = undefined;
            if (m.lossNotified) {
              m.lossNotified = false;
              m.lastNotifiedAt = now;
              out.push({
                kind: NotificationKind.connectionRestored,
                accountId: s.accountId,
                title: `Connected to ${s.accountId} again`,
                body: 'Solon is watching for new mail.',
                view: 'status',
              });
            }
            break;
          case 'syncing':
            // Connected and catching up: the outage is over; "restored" waits for watching.
            m.downSince = undefined;
            break;
          case 'connecting':
          case 'backing-off':
            m.downSince ??= now;
            if (s.state === 'backing-off') m.failure = s.reason;
            break;
          case 'auth-failed':
            m.downSince = undefined;
            if (prev !== 'auth-failed') {
              m.lastNotifiedAt = now;
              out.push({
                kind: NotificationKind.authFailed,
                accountId: s.accountId,
                title: `Solon cannot sign in to ${s.accountId}`,
                body: 'The server refused the user name or password. Open Solon → Accounts to fix the password.',
                view: 'accounts',
              });
            }
            break;
          case 'suspended':
          case 'stopped':
            // Planned: paused, asleep or quitting. Not an outage.
            m.downSince = undefined;
            break;
          default:
            unreachable(s.state);
        }
      }
      for (const id of [...accounts.keys()]) if (!seen.has(id)) accounts.delete(id);
      return [...out, ...dueLosses(now)];
    },

    onSuspend() {
      asleep = true;
      // The disconnect that follows is planned: it starts no outage clock.
      for (const m of accounts.values()) m.downSince = undefined;
    },

    onResume(now) {
      asleep = false;
      wokeAt = now;
    },

    onActivity(entry, notifyRule, now = entry.at) {
      const out = dueSummaries(now);
      if (!notifyRule || entry.result === 'undone' || entry.result === 'no-match') return out;
      // An error line and the later done line of one message are one message.
      if (notifiedKeys.has(entry.key)) return out;
      notifiedKeys.add(entry.key);
      if (notifiedKeys.size > maxRememberedKeys) {
        const oldest = notifiedKeys.values().next().value;
        if (oldest !== undefined) notifiedKeys.delete(oldest);
      }
      let b = bursts.get(entry.accountId);
      if (!b) {
        b = { start: now, shown: 0, held: 0 };
        bursts.set(entry.accountId, b);
      }
      if (b.shown >= ruleBurst) {
        b.held++;
        return out;
      }
      b.shown++;
      const rules = entry.rules.map((r) => r.name).join(', ');
      out.push({
        kind: NotificationKind.ruleMatched,
        accountId: entry.accountId,
        title: entry.from || '(unknown sender)',
        body: `${entry.subject || '(no subject)'}${rules ? `\n${rules} · ${entry.accountId}` : ''}`,
        view: 'activity',
        entryId: entry.id,
      });
      return out;
    },

    tick(now) {
      return [...dueLosses(now), ...dueSummaries(now)];
    },

    nextDueAt() {
      let next: number | undefined;
      const consider = (t: number | undefined): void => {
        if (t !== undefined && (next === undefined || t < next)) next = t;
      };
      for (const m of accounts.values()) consider(lossDueAt(m));
      for (const b of bursts.values()) if (b.held > 0) consider(b.start + burstWindowMs);
      return next;
    },
  };
}

/** "connection failed (ECONNRESET)" → "Connection failed (ECONNRESET)." */
function sentence(s: string): string {
  const t = s.trim();
  if (!t) return '';
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function unreachable(x: never): never {
  throw new Error(`unhandled connection state: ${String(x)}`);
}
