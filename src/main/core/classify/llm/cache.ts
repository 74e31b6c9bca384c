/**
 * Decisions the model made, kept so a message is never paid for twice: not after a reconnect
 * (the retry list re-classifies a message whose action failed), not after a restart, not by
 * "apply to existing mail". Keyed by the message (Message-ID, else a hash of what the model was
 * shown), the model and the categories as the model was told them (names, descriptions, prompt
 * version): change any of these and the old answer no longer applies.
 *
 * Only answers are kept ("none" included); a failure never is, so a message the model could
 * not judge is asked again next time it comes up.
 *
 * On disk: one JSON file in the data folder, replaced atomically (a crash leaves the old or the
 * new file, never half of one); writes are coalesced, at most one per `writeDelayMs`, and
 * flush() writes what is pending (the engine calls it when it stops).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Category } from '../../../../shared/domain/rule.js';
import type { Clock, Logger, TimerHandle } from '../../ports.js';
import { readFileIfExists, writeFileAtomic } from '../../util/atomic-file.js';
import { PROMPT_VERSION } from './prompt.js';

/**
 * Entries kept. 20,000 (~2 MB on disk) is months of mail for most people; past it the least
 * recently used go first.
 */
export const CACHE_CAP = 20_000;
/** Coalesce writes: a backlog answered at one message a second writes the file every 2 s, not every message. */
export const CACHE_WRITE_DELAY_MS = 2_000;

const CacheFile = z.object({
  version: z.literal(1),
  /** [key, category or null for "none", when decided (ms)] */
  entries: z.array(z.tuple([z.string(), z.string().nullable(), z.number()])),
});

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** What the model is told about the categories, as one hash. */
export function categoriesHash(categories: readonly Category[]): string {
  return sha(
    JSON.stringify([PROMPT_VERSION, categories.map((c) => [c.name, c.description])]),
  ).slice(0, 16);
}

/** The cache key of one message's decision. */
export function decisionKey(opts: {
  messageId: string | undefined;
  /** The data block the model is shown: the identity of a message without a Message-ID. */
  data: string;
  model: string;
  categories: readonly Category[];
}): string {
  const id = opts.messageId ? `mid:${opts.messageId}` : `sha:${sha(opts.data)}`;
  return sha(JSON.stringify([id, opts.model, categoriesHash(opts.categories)]));
}

export interface CachedDecision {
  category: string | undefined;
}

export class DecisionCache {
  private readonly map = new Map<string, { category: string | null; at: number }>();
  private timer: TimerHandle | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly writeDelayMs: number,
  ) {}

  /**
   * The cache in `file` (memory only when undefined). A file that cannot be read or parsed is
   * started afresh with a warning: a cache is never worth refusing to run.
   */
  static async open(
    file: string | undefined,
    clock: Clock,
    log: Logger,
    writeDelayMs = CACHE_WRITE_DELAY_MS,
  ): Promise<DecisionCache> {
    const cache = new DecisionCache(file, clock, log, writeDelayMs);
    if (!file) return cache;
    try {
      const text = await readFileIfExists(file);
      if (text !== undefined) {
        const parsed = CacheFile.safeParse(JSON.parse(text));
        if (parsed.success)
          for (const [k, category, at] of parsed.data.entries.slice(-CACHE_CAP))
            cache.map.set(k, { category, at });
        else log.warn('LLM decision cache unreadable; starting a new one', { file });
      }
    } catch (err) {
      log.warn('LLM decision cache unreadable; starting a new one', { file, err: String(err) });
    }
    return cache;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): CachedDecision | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    // Least recently used goes first: a hit moves to the end.
    this.map.delete(key);
    this.map.set(key, hit);
    return { category: hit.category ?? undefined };
  }

  set(key: string, category: string | undefined): void {
    this.map.delete(key);
    this.map.set(key, { category: category ?? null, at: this.clock.now() });
    while (this.map.size > CACHE_CAP) this.map.delete(this.map.keys().next().value!);
    this.dirty = true;
    if (this.file && this.timer === undefined && !this.writing)
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        void this.write(); // errors are logged inside; the next set() tries again
      }, this.writeDelayMs);
  }

  /** Write what is pending now, and wait for it. */
  async flush(): Promise<void> {
    // Twice at most: the write in flight, then one with what came in meanwhile. A failing disk
    // is logged by write() and left for the next set(), not retried in a loop here.
    try {
      for (let pass = 0; pass < 2; pass++) {
        this.clock.clearTimeout(this.timer);
        this.timer = undefined;
        await this.writing;
        if (!this.dirty || !this.file) return;
        await this.write();
      }
    } finally {
      // Nothing left scheduled: a stopped engine keeps no timer alive.
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private async write(): Promise<void> {
    if (!this.file || this.writing) return this.writing;
    this.dirty = false;
    const entries = [...this.map].map(([k, v]) => [k, v.category, v.at]);
    this.writing = writeFileAtomic(this.file, JSON.stringify({ version: 1, entries }), {
      mode: 0o600,
    })
      .catch((err: unknown) => {
        this.dirty = true;
        this.log.warn('could not save the LLM decision cache', {
          file: this.file,
          err: String(err),
        });
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
    // Decisions that came in while writing: schedule the next write.
    if (this.dirty && this.timer === undefined)
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        void this.write();
      }, this.writeDelayMs);
  }
}
