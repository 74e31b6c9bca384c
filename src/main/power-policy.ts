/**
 * What the engine does when the OS sleeps, wakes, locks, unlocks or changes network — pure,
 * so it is tested without Electron. power.ts feeds it powerMonitor events and net.isOnline()
 * samples.
 */
import type { Engine } from './core/engine.js';

export type PowerEvent =
  | { type: 'suspend' }
  | { type: 'resume' }
  | { type: 'lock-screen' }
  | { type: 'unlock-screen' }
  | { type: 'online-change'; online: boolean };

/** The part of the engine this policy drives. */
export type PowerEngine = Pick<Engine, 'suspend' | 'resume' | 'probe'>;

export interface PowerPolicyOptions {
  /**
   * True while the user has paused Solon. Then the OS's events change nothing: a wake or a
   * network change must not quietly undo the user's Pause.
   */
  isPaused?: () => boolean;
  /** probe() failed (it should not: each connection handles its own failure). */
  onError?: (err: unknown) => void;
}

/**
 * suspend        → engine.suspend(): drop the connections on purpose before the OS freezes
 *                  them, so nothing times out half-way and no outage is reported.
 * resume         → engine.resume(): reconnect at once; a connection that slept is presumed dead.
 * lock-screen    → nothing: mail keeps being sorted while the screen is locked.
 * unlock-screen  → engine.probe(): the network may have changed while locked (a new Wi-Fi, a
 *                  VPN); a NOOP with a deadline finds out, dead connections reconnect.
 * offline        → nothing: the OS's view is often wrong or brief (a Wi-Fi handoff), and a
 *                  connection that survives is worth keeping; the watchdog notices real loss.
 * online         → engine.probe(): it checks live connections and makes backing-off ones retry
 *                  now, rather than at the end of their backoff. Not resume(): that would also
 *                  retry a refused password (servers lock accounts for that) and undo a pause.
 */
export function createPowerPolicy(
  engine: PowerEngine,
  opts: PowerPolicyOptions = {},
): (event: PowerEvent) => void {
  const paused = opts.isPaused ?? (() => false);
  const probe = (): void => {
    // Fire-and-forget on purpose: an OS event handler has nobody to await it.
    engine.probe().catch((err: unknown) => opts.onError?.(err));
  };
  return (event) => {
    if (paused()) return;
    switch (event.type) {
      case 'suspend':
        engine.suspend('the computer is going to sleep');
        return;
      case 'resume':
        engine.resume('woke up');
        return;
      case 'lock-screen':
        return;
      case 'unlock-screen':
        probe();
        return;
      case 'online-change':
        if (event.online) probe();
        return;
      default:
        unreachable(event);
    }
  };
}

/**
 * Turns successive net.isOnline() samples into 'online-change' events — main has no online
 * event, so power.ts polls. Only transitions are events; the first sample sets the baseline
 * (start-up is not a change: the engine is connecting anyway).
 */
export class OnlinePoller {
  private last: boolean | undefined;

  constructor(initial?: boolean) {
    this.last = initial;
  }

  /** The last sample, if any. */
  get online(): boolean | undefined {
    return this.last;
  }

  sample(online: boolean): PowerEvent | undefined {
    const prev = this.last;
    this.last = online;
    if (prev === undefined || prev === online) return undefined;
    return { type: 'online-change', online };
  }
}

function unreachable(x: never): never {
  throw new Error(`unhandled power event: ${JSON.stringify(x)}`);
}
