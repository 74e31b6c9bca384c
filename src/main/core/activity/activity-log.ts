import { appendFile, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ActivityEntry } from '../../../shared/domain/activity.js';

export interface ActivityLogOptions {
  dir: string;
  /** Rotate when the current file passes this size. */
  maxBytes?: number;
  /** How many rotated files to keep (activity.1.jsonl … activity.N.jsonl). */
  keep?: number;
}

/**
 * Append-only JSONL record of every decision, bounded by rotation. One line per event; the
 * newest file is `activity.jsonl`. Lines are written with a single append each, so a crash can
 * at worst leave one partial last line, which readers skip.
 */
export class ActivityLog {
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private size = -1;
  private chain: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(e: ActivityEntry) => void>();

  constructor(private readonly opts: ActivityLogOptions) {
    this.file = join(opts.dir, 'activity.jsonl');
    this.maxBytes = opts.maxBytes ?? 5 * 1024 * 1024;
    this.keep = opts.keep ?? 3;
  }

  onAppend(fn: (e: ActivityEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Append entries in order; resolves when they are on disk. */
  append(entries: ActivityEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    let text = entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const run = async (): Promise<void> => {
      await mkdir(this.opts.dir, { recursive: true });
      if (this.size < 0) {
        this.size = await fileSize(this.file);
        // A crash can leave a torn last line without its newline: start on a fresh line, or
        // the first entry after the restart would be glued to the fragment and lost.
        if (this.size > 0 && !(await endsWithNewline(this.file, this.size))) text = '\n' + text;
      }
      const bytes = Buffer.byteLength(text);
      if (this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate();
      await appendFile(this.file, text);
      this.size += bytes;
    };
    const p = this.chain.then(run);
    // Keep the chain alive after a failure; the caller still sees the rejection.
    this.chain = p.catch(() => undefined);
    return p.then(() => {
      for (const e of entries) for (const fn of this.listeners) fn(e);
    });
  }

  private async rotate(): Promise<void> {
    const name = (n: number): string => join(this.opts.dir, `activity.${n}.jsonl`);
    await unlink(name(this.keep)).catch(() => undefined);
    for (let n = this.keep - 1; n >= 1; n--)
      await rename(name(n), name(n + 1)).catch(() => undefined);
    await rename(this.file, name(1));
    this.size = 0;
  }

  /** All entries, oldest first, across rotated files. Partial or invalid lines are skipped. */
  async readAll(): Promise<ActivityEntry[]> {
    await this.chain;
    const files = [];
    for (let n = this.keep; n >= 1; n--) files.push(join(this.opts.dir, `activity.${n}.jsonl`));
    files.push(this.file);
    const out: ActivityEntry[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const parsed = ActivityEntry.safeParse(JSON.parse(line));
          if (parsed.success) out.push(parsed.data);
        } catch {
          // a torn last line after a crash
        }
      }
    }
    return out;
  }

  /** The newest `limit` entries, newest first. */
  async recent(limit: number): Promise<ActivityEntry[]> {
    if (limit <= 0) return [];
    const all = await this.readAll();
    return all.slice(-limit).reverse();
  }
}

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
