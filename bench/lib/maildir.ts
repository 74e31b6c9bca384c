// Delivery the way a local MTA does it (write into tmp/, rename into new/), and the moment a
// message leaves INBOX seen on disk: inotify on the Maildir's new/ and cur/, so "acted on" is
// timed without going through IMAP (whose IDLE notifications Dovecot delays by 500 ms).
import { watch, type FSWatcher } from 'node:fs';
import { chown, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { toCrlf } from '../../test/helpers/corpus.js';
import type { Dovecot } from '../../test/helpers/dovecot.js';

const NOBODY = 65534;
let seq = 0;

/** The Maildir of a user's INBOX in the private Dovecot (mail_location = maildir:…/mail/%u). */
export function inboxDir(d: Dovecot, user: string): string {
  return path.join(d.dir, 'mail', user);
}

async function ensureMaildir(box: string): Promise<void> {
  for (const sub of ['tmp', 'new', 'cur']) {
    await mkdir(path.join(box, sub), { recursive: true });
    await chown(path.join(box, sub), NOBODY, NOBODY).catch(() => undefined);
  }
  await chown(box, NOBODY, NOBODY).catch(() => undefined);
}

/**
 * Deliver one message into the user's INBOX; resolves with its Maildir base name and the
 * moment (performance.now()) it appeared in new/ — the arrival time.
 */
export async function deliver(
  d: Dovecot,
  user: string,
  raw: Buffer,
): Promise<{ name: string; at: number }> {
  const box = inboxDir(d, user);
  await ensureMaildir(box);
  const name = `${Date.now()}.M${process.pid}Q${seq++}.solon-bench`;
  const tmp = path.join(box, 'tmp', name);
  await writeFile(tmp, toCrlf(raw));
  await chown(tmp, NOBODY, NOBODY).catch(() => undefined);
  await rename(tmp, path.join(box, 'new', name));
  return { name, at: performance.now() };
}

/** Write many messages straight into new/ (Dovecot indexes them at its next look). */
export async function deliverMany(d: Dovecot, user: string, raws: Buffer[]): Promise<void> {
  const box = inboxDir(d, user);
  await ensureMaildir(box);
  for (const raw of raws) {
    const name = `${Date.now()}.M${process.pid}Q${seq++}.solon-bench`;
    await writeFile(path.join(box, 'tmp', name), toCrlf(raw));
    await rename(path.join(box, 'tmp', name), path.join(box, 'new', name));
  }
  for (const f of await readdir(path.join(box, 'new')))
    await chown(path.join(box, 'new', f), NOBODY, NOBODY).catch(() => undefined);
}

/**
 * Watches a user's INBOX Maildir and tells when a delivered message has left it (moved or
 * expunged: no file of that base name in new/ or cur/ any more). Flag changes rename the file
 * within cur/ (base:2,S → base:2,ST) and do not count.
 */
export class InboxWatch {
  private readonly watchers: FSWatcher[] = [];
  private readonly pending = new Map<string, (at: number) => void>();
  private readonly newDir: string;
  private readonly curDir: string;

  constructor(d: Dovecot, user: string) {
    const box = inboxDir(d, user);
    this.newDir = path.join(box, 'new');
    this.curDir = path.join(box, 'cur');
  }

  async start(): Promise<void> {
    await ensureMaildir(path.dirname(this.newDir));
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
