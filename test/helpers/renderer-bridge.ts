/**
 * Runs in the page (bundled by renderer-harness.ts as an init script): installs `window.solon`
 * exactly as the preload does — buildApi from the contract — but over transports the test
 * process provides: invokes go to `__solonInvoke` (a Playwright binding that calls the real
 * handlers' dispatch), and events arrive through `__solonEmit` (called by page.evaluate from
 * the real engine's subscribe).
 */
import { buildApi, type EventName } from '../../src/shared/contract.js';

interface BridgeWindow {
  solon: unknown;
  __solonInvoke: (channel: string, args: unknown) => Promise<unknown>;
  __solonEmit: (event: string, payload: unknown) => void;
}

const w = window as unknown as BridgeWindow;
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

w.__solonEmit = (event, payload) => {
  for (const fn of listeners.get(event as EventName) ?? []) fn(payload);
};

w.solon = Object.freeze(
  buildApi(
    (channel, args) => w.__solonInvoke(channel, args),
    (event, listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  ),
);
