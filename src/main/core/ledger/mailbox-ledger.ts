import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readFileIfExists, writeFileAtomic } from '../util/atomic-file.js';

/**
 * The exactly-once record of one watched mailbox. A message's identity is
 * (account, mailbox, UIDVALIDITY, UID).
 *
 * - `lastUid`: every UID ≤ lastUid has been handled (acted on, failed for good, or skipped).
 * - `inflight`: the batch being acted on right now, with each message's plan. Written before
 *   acting, cleared after; on restart the entries left here are re-run carefully (the executor
 *   checks what already happened, so nothing is done twice).
 * - `retry`: messages whose action failed and will be tried again, with their attempt counts.
 * - `quarantined`: messages that failed too often; left in place, never tried again.
 * - `handledIds`: Message-IDs recently handled, so a UIDVALIDITY change (mailbox recreated)
 *   does not re-act on old mail.
 *
 * Two files: the checkpoint (`<name>.json`, everything but the batch in flight) and the journal
 * (`<name>.inflight.json`, the batch in flight). `begin()` writes only the journal, so the write
 * that must reach the disk before a message is acted on is the size of the batch, not of the
 * checkpoint with its 5,000 Message-IDs (a full one made begin 5.3 ms instead of 2.3 ms per
 * message, bench/README.md). The journal names the checkpoint it follows (`seq`); every
 * checkpoint write bumps `seq`, so a journal left behind after its batch was committed is stale
 * and ignored.
 */
export const PlanRecord = z.object({
  addFlags: z.array(z.string()),
  removeFlags: z.array(z.string()),
  gmailLabels: z.array(z.string()),
  copyTo: z.array(z.string()),
  moveTo: z.string().optional(),
  notify: z.boolean(),
});

export const InflightEntry = z.object({
  uid: z.number().int().positive(),
  messageId: z.string().optional(),
  from: z.string(),
  subject: z.string(),
  rules: z.array(z.object({ id: z.string(), name: z.string() })),
  category: z.string().optional(),
  /** What the classifier said (or why it could not), kept for the activity entry after a restart. */
  note: z.string().optional(),
  plan: PlanRecord,
  /** Set when the message could not be handled before acting (e.g. it could not be parsed). */
  error: z.string().optional(),
  /** How many times a batch holding this message was started (a crash mid-batch counts). */
  attempts: z.number().int().min(1),
  startedAt: z.number(),
});
export type InflightEntry = z.infer<typeof InflightEntry>;

const LedgerState = z.object({
  version: z.literal(1),
  mailbox: z.string(),
  uidValidity: z.string().optional(),
  lastUid: z.number().int().min(0),
  /** Client time of the last completed catch-up. */
  syncedAt: z.number().optional(),
  /**
   * Server time (INTERNALDATE, ms) of the newest message seen in this mailbox. After a
   * UIDVALIDITY change, only mail that arrived at or after this is a candidate for "new"
   * (server time, so client clock skew does not matter).
   */
  lastArrival: z.number().optional(),
  inflight: z.array(InflightEntry),
  /** The highest UID the in-flight batch covers (lastUid moves here when it is committed). */
  inflightThrough: z.number().int().min(0).default(0),
  retry: z.record(z.string(), z.number().int()),
  quarantined: z.array(z.number().int()),
  handledIds: z.array(z.string()),
  /** Bumped by every checkpoint write; the journal names the one it follows. */
  seq: z.number().int().min(0).default(0),
});
export type LedgerState = z.infer<typeof LedgerState>;

const Journal = z.object({
  seq: z.number().int().min(0),
  inflightThrough: z.number().int().min(0),
  inflight: z.array(InflightEntry),
});

/** Where the journal of the checkpoint `file` lives. */
export function journalFile(file: string): string {
  return file.replace(/\.json$/, '') + '.inflight.json';
}

export const HANDLED_IDS_CAP = 5_000;
const QUARANTINE_CAP = 1_000;

export function ledgerFile(dataDir: string, accountId: string, mailbox: string): string {
  // Mailbox names may hold any character; hash them, keep a readable prefix for humans.
  const slug = mailbox.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(mailbox).digest('hex').slice(0, 10);
  return join(dataDir, 'state', accountId, `${slug}-${hash}.json`);
}

export class MailboxLedger {
  private constructor(
    private readonly file: string | undefined,
    public state: LedgerState,
  ) {}

  /**
   * Open (or start) the ledger at `file`. Pass file = undefined for a ledger that lives in
   * memory only (dry runs: decide and log, change nothing — not even our own checkpoint).
   */
  static async open(
    file: string | undefined,
    mailbox: string,
    seed?: LedgerState,
  ): Promise<MailboxLedger> {
    const fresh: LedgerState = {
      version: 1,
      mailbox,
      lastUid: 0,
      inflight: [],
      inflightThrough: 0,
      retry: {},
      quarantined: [],
      handledIds: [],
      seq: 0,
    };
    if (!file) return new MailboxLedger(undefined, seed ? structuredClone(seed) : fresh);
    const state = (await readState(file, LedgerState, 'ledger')) ?? fresh;
    return new MailboxLedger(file, await withJournal(file, state));
  }

  /** True once this mailbox has been seen (a first run starts at UIDNEXT). */
  get initialized(): boolean {
    return this.state.uidValidity !== undefined;
  }

  /**
   * Write the checkpoint. It never holds the batch in flight (that is the journal's), and its
   * new `seq` makes any journal on disk stale.
   */
  async save(): Promise<void> {
    if (!this.file) return;
    const seq = this.state.seq + 1;
    await writeFileAtomic(
      this.file,
      JSON.stringify({ ...this.state, seq, inflight: [], inflightThrough: 0 }),
    );
    this.state.seq = seq;
  }

  /** Write the batch in flight to the journal, following the checkpoint on disk. */
  private async saveJournal(): Promise<void> {
    if (!this.file) return;
    const { seq, inflight, inflightThrough } = this.state;
    await writeFileAtomic(
      journalFile(this.file),
      JSON.stringify({ seq, inflightThrough, inflight }),
    );
  }

  /** Start fresh for a UIDVALIDITY: everything below `uidNext` counts as handled. */
  reset(uidValidity: string, uidNext: number): void {
    this.state.uidValidity = uidValidity;
    this.state.lastUid = Math.max(0, uidNext - 1);
    this.state.inflight = [];
    this.state.inflightThrough = 0;
    this.state.retry = {};
    this.state.quarantined = [];
  }

  /** Remember the newest arrival time seen (persisted with the next save). */
  noteArrival(ms: number | undefined): void {
    if (ms !== undefined && Number.isFinite(ms))
      this.state.lastArrival = Math.max(this.state.lastArrival ?? 0, ms);
  }

  isQuarantined(uid: number): boolean {
    return this.state.quarantined.includes(uid);
  }

  /** Record a batch as started (persisted before any action is taken). */
  async begin(
    entries: Omit<InflightEntry, 'attempts'>[],
    throughUid: number,
  ): Promise<InflightEntry[]> {
    const previous = new Map(this.state.inflight.map((e) => [e.uid, e.attempts]));
    const started = entries.map((e) => ({
      ...e,
      attempts: (previous.get(e.uid) ?? this.state.retry[String(e.uid)] ?? 0) + 1,
    }));
    this.state.inflight = started;
    this.state.inflightThrough = throughUid;
    await this.saveJournal();
    return started;
  }

  /**
   * Close a batch: `done` UIDs are handled, `failed` ones go to retry (or quarantine once they
   * have failed `maxAttempts` times). lastUid advances to `throughUid` — the highest UID the
   * batch covered — since failed ones are tracked in retry/quarantine, not by the checkpoint.
   */
  async commit(result: {
    throughUid: number;
    done: { uid: number; messageId?: string }[];
    failed: { uid: number; attempts: number }[];
    maxAttempts: number;
    now: number;
  }): Promise<{ quarantined: number[] }> {
    const s = this.state;
    const quarantined: number[] = [];
    for (const d of result.done) {
      delete s.retry[String(d.uid)];
      // A copy, not the parsed value: that is a V8 slice of the whole header block, and
      // keeping it kept ~4 KB per message alive (bench/reconnect-heap.ts, heap-snapshot diff).
      if (d.messageId) s.handledIds.push(Buffer.from(d.messageId, 'utf8').toString('utf8'));
    }
    for (const f of result.failed) {
      if (f.attempts >= result.maxAttempts) {
        delete s.retry[String(f.uid)];
        s.quarantined.push(f.uid);
        quarantined.push(f.uid);
      } else {
        s.retry[String(f.uid)] = f.attempts;
      }
    }
    if (s.handledIds.length > HANDLED_IDS_CAP)
      s.handledIds.splice(0, s.handledIds.length - HANDLED_IDS_CAP);
    if (s.quarantined.length > QUARANTINE_CAP)
      s.quarantined.splice(0, s.quarantined.length - QUARANTINE_CAP);
    s.lastUid = Math.max(s.lastUid, result.throughUid);
    s.inflight = [];
    s.inflightThrough = 0;
    s.syncedAt = result.now;
    // The checkpoint first: its new seq is what makes the journal stale. Removing the journal
    // is tidiness only.
    await this.save();
    if (this.file) await rm(journalFile(this.file), { force: true });
    return { quarantined };
  }
}

/**
 * The batch in flight: from the journal when it follows this checkpoint (an absent checkpoint
 * is seq 0). A checkpoint written before the journal existed may hold it itself; it is kept then.
 */
async function withJournal(file: string, state: LedgerState): Promise<LedgerState> {
  const journal = await readState(journalFile(file), Journal, 'journal');
  if (journal && journal.seq === state.seq && journal.inflight.length > 0) {
    state.inflight = journal.inflight;
    state.inflightThrough = journal.inflightThrough;
  }
  return state;
}

/**
 * The file's state, or undefined when there is no file. A file that is not JSON or not this
 * schema is an error naming the file and the way out (never a silent fresh start: that would
 * act on old mail again).
 */
async function readState<T>(
  file: string,
  schema: z.ZodType<T>,
  what: 'ledger' | 'journal',
): Promise<T | undefined> {
  const text = await readFileIfExists(file);
  if (text === undefined) return undefined;
  const damaged = (why: string, cause?: unknown): Error =>
    new Error(`${what} ${file} is damaged (${why}); move it aside to start over`, { cause });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw damaged((err as Error).message, err);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw damaged(parsed.error.issues[0]?.message ?? 'invalid');
  return parsed.data;
}
