/**
 * What the tray shows — icon, tooltip and menu — as a pure function of the accounts' status.
 * No Electron here: tray.ts turns the result into a Tray, a Menu and nativeImages, and the unit
 * tests check every state combination without a display.
 */
import type { AccountStatus } from '../shared/domain/status.js';

/** The overall states the tray icon can show; one rendered icon set each (build/icons). */
export const trayIconStates = [
  'ok',
  'working',
  'degraded',
  'attention',
  'offline',
  'paused',
] as const;
export type TrayIconState = (typeof trayIconStates)[number];

/** Everything the tray menu can ask the app to do. */
export const TrayAction = {
  pause: 'pause',
  resume: 'resume',
  checkNow: 'check-now',
  open: 'open',
  rules: 'rules',
  activity: 'activity',
  startAtLogin: 'start-at-login',
  quit: 'quit',
} as const;
export type TrayAction = (typeof TrayAction)[keyof typeof TrayAction];

/** One menu row as plain data; tray.ts maps it onto Electron's MenuItemConstructorOptions. */
export type MenuItemSpec =
  /** Something to click. */
  | { type: 'item'; id: TrayAction; label: string; enabled: boolean }
  /** A checkbox that toggles a setting; `checked` is the current value. */
  | { type: 'checkbox'; id: TrayAction; label: string; checked: boolean }
  /** Information only (an account and its state): shown greyed out, does nothing. */
  | { type: 'info'; label: string }
  | { type: 'separator' };

export interface TrayContext {
  /** The user chose Pause all (the engine is suspended on purpose). */
  paused: boolean;
  /** Current value of the Start at login setting. */
  startAtLogin: boolean;
  /** For "2 min ago" and "retry in 30 s". */
  now: number;
  platform: NodeJS.Platform;
  /**
   * The panel the icon sits on is dark (ignored on macOS, which tints template images itself).
   * Windows: nativeTheme.shouldUseDarkColorsForSystemIntegratedUI. Linux cannot be asked; most
   * panels are dark.
   */
  darkPanel: boolean;
  /**
   * Last net.isOnline() sample, when known. false means the OS has no network at all, which
   * explains every failing account at once ("offline", not "degraded").
   */
  online?: boolean;
}

export interface TrayModel {
  icon: TrayIconState;
  /** File name under build/icons (resources/icons when packaged). */
  iconFile: string;
  tooltip: string;
  menu: MenuItemSpec[];
}

/**
 * Error codes (AccountStatus.code, from core/imap/errors.ts) that say "this machine has no
 * network", as opposed to "that server is unwell". Refused or reset connections are left out
 * on purpose: something answered, so we are online.
 */
const offlineCodes: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
]);

/**
 * Failure codes that retrying will not fix: the user must change something (the config, the
 * password command, the trusted certificate). Shown as "attention", like a wrong password.
 * TLS failures are here too: an untrusted certificate needs a caFile, and a captive portal
 * (which looks the same) needs the user to sign in to the Wi-Fi.
 */
function needsUser(code: string | undefined): boolean {
  if (code === undefined) return false;
  return (
    code === 'NONEXISTENT' || // a watched mailbox does not exist
    code === 'SETUP' || // the password command failed, the CA file cannot be read…
    code === 'TLS' ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.endsWith('_CERT') ||
    code.startsWith('CERT_') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'EPROTO'
  );
}

/** How one account counts toward the overall icon. */
type AccountClass = TrayIconState | 'reconnecting';

function isReconnecting(a: AccountStatus): boolean {
  // A first connect and a retry look alike ("connecting"); the mailbox's attempt counter tells
  // them apart (resume() resets it, so a wake counts as a first start).
  return (
    a.state === 'connecting' && a.mailboxes.some((m) => m.state === 'connecting' && m.attempts > 0)
  );
}

export function classifyAccount(a: AccountStatus): AccountClass {
  switch (a.state) {
    case 'watching':
    case 'probing': // a routine NOOP check: no reason to flicker the icon
      return 'ok';
    case 'syncing':
      return 'working';
    case 'stopped':
      // Before start() and during Quit: transient. A watcher that died of a bug stays stopped
      // (code INTERNAL) and nothing restarts it by itself.
      return a.code === 'INTERNAL' ? 'attention' : 'working';
    case 'connecting':
      return isReconnecting(a) ? 'reconnecting' : 'working';
    case 'backing-off':
      if (needsUser(a.code)) return 'attention';
      return a.code !== undefined && offlineCodes.has(a.code) ? 'offline' : 'degraded';
    case 'auth-failed':
      return 'attention';
    case 'suspended':
      return 'paused';
    default:
      return unreachable(a.state);
  }
}

/**
 * The overall icon state. Precedence, first match wins:
 *  1. paused    — the user paused: whatever the accounts say, nothing happens until Resume.
 *  2. attention — no accounts, a wrong password, a config/certificate error or a watcher that
 *                 stopped on an internal error, on any account.
 *                 Waiting will not fix these, so they outrank everything the engine fixes itself.
 *  3. offline   — every account fails with a no-network code (retries in progress count as
 *                 failing), or the OS reports no network and no account is connected. One cause
 *                 that explains all accounts beats "degraded".
 *  4. degraded  — some account is backing off or reconnecting.
 *  5. working   — some account is connecting for the first time (start, wake) or catching up.
 *  6. ok        — every account is watching.
 * Accounts that are suspended while others are not are mid-transition (suspend/resume walks
 * the accounts one by one) and are left out; all of them suspended shows as paused.
 * An account's lastError (one message that could not be handled) does not change the icon:
 * it is not a connection problem, it stays set for the rest of the run, and a permanently red
 * icon teaches people to ignore it. It is named in the account's menu line instead.
 */
export function overallState(
  statuses: readonly AccountStatus[],
  ctx: Pick<TrayContext, 'paused' | 'online'>,
): TrayIconState {
  if (ctx.paused) return 'paused';
  if (statuses.length === 0) return 'attention';
  const all = statuses.map(classifyAccount);
  if (all.includes('attention')) return 'attention';
  const active = all.filter((c) => c !== 'paused');
  if (active.length === 0) return 'paused';
  if (active.includes('offline') && active.every((c) => c === 'offline' || c === 'reconnecting'))
    return 'offline';
  const connected = (a: AccountStatus): boolean =>
    a.state === 'watching' || a.state === 'probing' || a.state === 'syncing';
  if (ctx.online === false && !statuses.some(connected)) return 'offline';
  if (active.some((c) => c === 'offline' || c === 'degraded' || c === 'reconnecting'))
    return 'degraded';
  if (active.includes('working')) return 'working';
  return 'ok';
}

/**
 * The icon file for a state. macOS: a template image (black + alpha; the name must end in
 * "Template" for Electron to mark it), 16 px with an @2x beside it. Windows: 16 px (+ @2x) drawn
 * for the taskbar's colour. Linux: 32 px — panels are 22–32 px and AppIndicator scales down.
 */
export function trayIconFile(
  state: TrayIconState,
  platform: NodeJS.Platform,
  darkPanel: boolean,
): string {
  if (platform === 'darwin') return `tray-${state}Template.png`;
  const panel = darkPanel ? 'dark' : 'light';
  return `tray-${state}-on-${panel}-${platform === 'win32' ? 16 : 32}.png`;
}

/** The tooltip limit: Windows keeps 127 UTF-16 units (NOTIFYICONDATA.szTip); others are roomier. */
export function tooltipLimit(platform: NodeJS.Platform): number {
  return platform === 'win32' ? 127 : 255;
}

const headline: Record<TrayIconState, string> = {
  ok: 'Solon',
  working: 'Solon — catching up',
  degraded: 'Solon — reconnecting',
  attention: 'Solon — needs attention',
  offline: 'Solon — offline',
  paused: 'Solon — paused',
};

/** Cut to at most `max` UTF-16 units, ending in "…", never splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let cut = max - 1;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut).trimEnd()}…`;
}

/** "just now", "2 min ago", "3 h ago", "2 d ago". */
export function ago(ms: number): string {
  if (ms < 45_000) return 'just now';
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${Math.max(1, min)} min ago`;
  const h = Math.round(ms / 3_600_000);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

/** "in 30 s", "in 2 min", "now". */
export function inTime(ms: number): string {
  if (ms <= 500) return 'now';
  if (ms < 60_000) return `in ${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `in ${Math.round(ms / 60_000)} min`;
  return `in ${Math.round(ms / 3_600_000)} h`;
}

/** The state of one account in a few words ("watching", "offline, retry in 30 s"). */
export function describeAccount(a: AccountStatus, now: number, paused: boolean): string {
  switch (a.state) {
    case 'watching':
    case 'probing':
      return 'watching';
    case 'syncing':
      return 'catching up';
    case 'connecting':
      return isReconnecting(a) ? 'reconnecting' : 'connecting';
    case 'backing-off': {
      const retry = a.nextRetryAt !== undefined ? `, retry ${inTime(a.nextRetryAt - now)}` : '';
      if (needsUser(a.code)) return a.reason;
      if (a.code !== undefined && offlineCodes.has(a.code)) return `offline${retry}`;
      return `connection lost${retry}`;
    }
    case 'auth-failed':
      return 'sign-in failed — fix the password';
    case 'suspended':
      return paused ? 'paused' : 'suspended';
    case 'stopped':
      return a.code === 'INTERNAL' ? a.reason : 'stopped';
    default:
      return unreachable(a.state);
  }
}

function tooltipLine(a: AccountStatus, now: number, paused: boolean): string {
  // A degraded classifier is said, but it is not a connection problem: the icon ignores it.
  const classifier = a.classifier?.state === 'degraded' ? ' (classifier degraded)' : '';
  const head = `${a.accountId}: ${describeAccount(a, now, paused)}${classifier}`;
  const m = a.lastMessage;
  return m ? `${head} — last: ${m.subject || '(no subject)'} (${ago(now - m.at)})` : head;
}

/**
 * Headline plus one line per account, within the platform's limit: lines are first cut to an
 * equal share (long subjects lose their tails), then, with many accounts, the last ones are
 * replaced by "+N more".
 */
export function trayTooltip(statuses: readonly AccountStatus[], ctx: TrayContext): string {
  const max = tooltipLimit(ctx.platform);
  const head = headline[overallState(statuses, ctx)];
  if (statuses.length === 0)
    return truncate(`${head}\nno accounts yet: open Solon to add one`, max);
  const lines = statuses.map((a) => tooltipLine(a, ctx.now, ctx.paused));
  const full = [head, ...lines].join('\n');
  if (full.length <= max) return full;

  // Shortest readable line: the account and most of its state.
  const minLine = 24;
  const share = Math.floor((max - head.length - lines.length) / lines.length);
  if (share >= minLine) return [head, ...lines.map((l) => truncate(l, share))].join('\n');

  const out = [head];
  let used = head.length;
  for (let i = 0; i < lines.length; i++) {
    const more = `+${lines.length - i} more`;
    const line = truncate(lines[i]!, minLine);
    const rest = lines.length - i - 1;
    // Room for this line, and for the "+N more" line if any lines remain after it.
    const need = 1 + line.length + (rest > 0 ? 1 + `+${rest} more`.length : 0);
    if (used + need > max) {
      out.push(more);
      break;
    }
    out.push(line);
    used += 1 + line.length;
  }
  return truncate(out.join('\n'), max);
}

/** Menu labels have no hard limit, but a menu as wide as the screen helps nobody. */
const menuLabelMax = 80;

function accountMenuLabel(a: AccountStatus, now: number, paused: boolean): string {
  const errors = a.errorsToday > 0 ? ` · ${a.errorsToday} failed today` : '';
  return truncate(`${a.accountId} — ${describeAccount(a, now, paused)}${errors}`, menuLabelMax);
}

export function trayMenu(statuses: readonly AccountStatus[], ctx: TrayContext): MenuItemSpec[] {
  const accounts: MenuItemSpec[] =
    statuses.length === 0
      ? [{ type: 'info', label: 'No accounts yet' }]
      : statuses.map((a) => ({ type: 'info', label: accountMenuLabel(a, ctx.now, ctx.paused) }));
  return [
    ...accounts,
    { type: 'separator' },
    ctx.paused
      ? { type: 'item', id: TrayAction.resume, label: 'Resume all', enabled: true }
      : { type: 'item', id: TrayAction.pause, label: 'Pause all', enabled: statuses.length > 0 },
    // Check now does nothing to a suspended connection: greyed out rather than silently inert.
    {
      type: 'item',
      id: TrayAction.checkNow,
      label: 'Check now',
      enabled: !ctx.paused && statuses.length > 0,
    },
    { type: 'item', id: TrayAction.open, label: 'Open Solon', enabled: true },
    { type: 'item', id: TrayAction.rules, label: 'Rules…', enabled: true },
    { type: 'item', id: TrayAction.activity, label: 'Activity…', enabled: true },
    { type: 'separator' },
    {
      type: 'checkbox',
      id: TrayAction.startAtLogin,
      label: 'Start at login',
      checked: ctx.startAtLogin,
    },
    { type: 'item', id: TrayAction.quit, label: 'Quit Solon', enabled: true },
  ];
}

/** Icon, tooltip and menu for the current status. Recompute on every status change and once a
 * minute (the tooltip's "2 min ago" and "retry in 30 s" age). */
export function trayModel(statuses: readonly AccountStatus[], ctx: TrayContext): TrayModel {
  const icon = overallState(statuses, ctx);
  return {
    icon,
    iconFile: trayIconFile(icon, ctx.platform, ctx.darkPanel),
    tooltip: trayTooltip(statuses, ctx),
    menu: trayMenu(statuses, ctx),
  };
}

/** Exhaustiveness guard: a new ConnectionState fails to compile where it is not handled. */
function unreachable(x: never): never {
  throw new Error(`unhandled connection state: ${String(x)}`);
}
