/**
 * Feeds the OS's power and network events to a handler (normally createPowerPolicy(engine),
 * plus the notification policy's onSuspend/onResume). Main has no 'online' event, so
 * net.isOnline() is polled and OnlinePoller turns samples into transitions. Start after app
 * 'ready' (powerMonitor is not usable before).
 */
import { net, powerMonitor } from 'electron';
import { OnlinePoller, type PowerEvent } from './power-policy.js';

export interface PowerWatchOptions {
  onEvent: (event: PowerEvent) => void;
  /** How often to ask net.isOnline(). It is a cheap local check; 10 s is a fair reaction time. */
  pollMs?: number;
}

export interface PowerWatch {
  /** The last net.isOnline() sample (for the tray's offline state). */
  online(): boolean;
  dispose(): void;
}

export function watchPower(opts: PowerWatchOptions): PowerWatch {
  const poller = new OnlinePoller(net.isOnline());
  const handlers = {
    suspend: () => opts.onEvent({ type: 'suspend' }),
    resume: () => opts.onEvent({ type: 'resume' }),
    lock: () => opts.onEvent({ type: 'lock-screen' }),
    unlock: () => opts.onEvent({ type: 'unlock-screen' }),
  };
  powerMonitor.on('suspend', handlers.suspend);
  powerMonitor.on('resume', handlers.resume);
  powerMonitor.on('lock-screen', handlers.lock);
  powerMonitor.on('unlock-screen', handlers.unlock);
  const timer = setInterval(() => {
    const change = poller.sample(net.isOnline());
    if (change) opts.onEvent(change);
  }, opts.pollMs ?? 10_000);
  // The poll alone must not keep the app alive.
  timer.unref();

  return {
    online: () => poller.online ?? true,
    dispose() {
      clearInterval(timer);
      powerMonitor.removeListener('suspend', handlers.suspend);
      powerMonitor.removeListener('resume', handlers.resume);
      powerMonitor.removeListener('lock-screen', handlers.lock);
      powerMonitor.removeListener('unlock-screen', handlers.unlock);
    },
  };
}
