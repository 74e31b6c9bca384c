import type { Clock, TimerHandle } from '../../src/main/core/ports.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock the test drives: now() moves only on advance()/jump(), timers fire in time order as
 * advance() passes them. jump() moves the wall clock without firing anything — what a laptop
 * sees when it wakes from sleep.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 0, 1, 9)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    this.timers = this.timers.filter((t) => (t as unknown) !== handle);
  }
  /** Timers due within `ms` from now (what would fire if time moved on that far). */
  pending(ms = Number.POSITIVE_INFINITY): number {
    return this.timers.filter((t) => t.at <= this.t + ms).length;
  }
  /** Move time forward, firing every timer that comes due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
  /** Wall clock leaps (sleep): nothing fires until the next advance(). */
  jump(ms: number): void {
    this.t += ms;
  }
}

/** Resolve when `pred` holds, checking after each event the source emits; reject at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}
