// Delivery the way a local MTA does it (write into tmp/, rename into new/), and the moment a
// message leaves INBOX seen on disk: inotify on the Maildir's new/ and cur/, so "acted on" is
// timed without going through IMAP (whose IDLE notifications Dovecot delays by 500 ms).
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dovecot } from '../../test/helpers/dovecot.js';

/**
 * Deliver one message into the user's INBOX as an MTA does (the Dovecot helper's Maildir
 * delivery); resolves with its base name and the moment (performance.now()) it appeared in
 * new/ — the arrival time.
 */
export async function deliver(
  d: Dovecot,
  user: string,
  raw: Buffer,
): Promise<{ name: string; at: number }> {
  const name = await d.deliverToMaildir(user, raw);
  return { name, at: performance.now() };
}

/**
 * Watches a user's INBOX Maildir and tells when a delivered message has left it (moved or
 * expunged: no file of that base name in new/ or cur/ any more). Flag changes rename the file
 * within cur/ (base:2,S → base:2,ST) and do not count.
 */
export class InboxWatch {
  private readonly watchers: FSWatcher[] = [];
  private readonly pending = new Map<string, (at: number) => void>();

  private newDir = '';
  private curDir = '';

  constructor(
    private readonly d: Dovecot,
    private readonly user: string,
  ) {}

  async start(): Promise<void> {
    const box = await this.d.maildir(this.user);
    this.newDir = path.join(box, 'new');
    this.curDir = path.join(box, 'cur');
    for (const dir of [this.newDir, this.curDir])
      this.watchers.push(watch(dir, (_event, file) => this.check(file?.toString())));
  }

  /** Resolves with performance.now() at the moment the message was seen gone. */
  gone(name: string, deadlineMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(name);
        reject(new Error(`message ${name} still in INBOX after ${deadlineMs} ms`));
      }, deadlineMs);
      this.pending.set(name, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
      this.check(name); // it may be gone already
    });
  }

  private present(base: string): boolean {
    if (existsSync(path.join(this.newDir, base))) return true;
    try {
      return readdirSync(this.curDir).some((f) => f === base || f.startsWith(`${base}:`));
    } catch {
      return false;
    }
  }

  private check(file: string | undefined): void {
    if (this.pending.size === 0) return;
    const at = performance.now();
    const base = file?.split(':')[0];
    const candidates = base && this.pending.has(base) ? [base] : [...this.pending.keys()];
    for (const b of candidates) {
      if (this.present(b)) continue;
      const done = this.pending.get(b)!;
      this.pending.delete(b);
      done(at);
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }
}
