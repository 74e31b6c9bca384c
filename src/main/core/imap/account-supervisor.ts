import type { Account } from '../../../shared/domain/account.js';
import { worstState, type AccountStatus } from '../../../shared/domain/status.js';
import type { Clock } from '../ports.js';
import type { MailboxWatcher } from './mailbox-watcher.js';

/**
 * One account: its mailbox watchers (one connection each) and the status a person sees,
 * rolled up worst-first. Counters are per local day.
 */
export class AccountSupervisor {
  private day = '';
  private handled = 0;
  private errors = 0;

  constructor(
    readonly account: Account,
    readonly watchers: MailboxWatcher[],
    private readonly clock: Clock,
  ) {}

  start(): void {
    for (const w of this.watchers) w.start();
  }
  async stop(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.stop()));
  }
  suspend(reason?: string): void {
    for (const w of this.watchers) w.suspend(reason);
  }
  resume(reason?: string): void {
    for (const w of this.watchers) w.resume(reason);
  }
  async probe(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.probe()));
  }
  checkNow(): void {
    for (const w of this.watchers) w.checkNow();
  }

  private lastError: AccountStatus['lastError'];

  noteError(e: { at: number; mailbox: string; subject: string; error?: string }): void {
    this.lastError = {
      at: e.at,
      mailbox: e.mailbox,
      subject: e.subject,
      error: e.error ?? 'failed',
    };
  }

  count(result: 'done' | 'error'): void {
    const today = new Date(this.clock.now()).toDateString();
    if (today !== this.day) {
      this.day = today;
      this.handled = 0;
      this.errors = 0;
    }
    if (result === 'done') this.handled++;
    else this.errors++;
  }

  status(): AccountStatus {
    const boxes = this.watchers.map((w) => w.status);
    const state = worstState(boxes.map((b) => b.state));
    const worst = boxes.find((b) => b.state === state) ?? boxes[0]!;
    const last = this.watchers
      .map((w) => w.lastMessage)
      .filter((m) => m !== undefined)
      .sort((a, b) => b.at - a.at)[0];
    return {
      accountId: this.account.id,
      state,
      reason: worst.reason,
      code: worst.code,
      since: worst.since,
      nextRetryAt: worst.nextRetryAt,
      mailboxes: boxes,
      lastMessage: last,
      lastError: this.lastError,
      handledToday: this.handled,
      errorsToday: this.errors,
    };
  }
}
