/**
 * Shows what notification-policy.ts decided, through Electron's Notification. Nothing else.
 */
import { Notification as ElectronNotification } from 'electron';
import type { Notification } from './notification-policy.js';

// Electron drops a notification's click handler once the object is garbage-collected, which
// can happen while it is still on screen: hold each one until it is clicked or closed.
const live = new Set<ElectronNotification>();

/** Show one notification; `onClick` gets it back when the user clicks it (open its `view`). */
export function show(n: Notification, onClick: (n: Notification) => void): void {
  if (!ElectronNotification.isSupported()) return;
  const native = new ElectronNotification({ title: n.title, body: n.body });
  const release = (): void => {
    live.delete(native);
  };
  native.on('click', () => {
    release();
    onClick(n);
  });
  native.on('close', release);
  live.add(native);
  native.show();
}
