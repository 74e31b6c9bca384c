import type { FetchMessageObject, MailboxObject } from 'imapflow';
import type { Account } from '../../../shared/domain/account.js';
import { messageKey, type ActivityEntry } from '../../../shared/domain/activity.js';
import type { EngineSettings } from '../../../shared/domain/config.js';
import type { ConnectionState, LastMessage, MailboxStatus } from '../../../shared/domain/status.js';
import { ConnectionLost, executePlans, type ExecOutcome } from '../actions/execute.js';
import { describePlan, emptyPlan, isEmptyPlan, type Plan } from '../classify/plan.js';
import type { Classifier } from '../classify/pipeline.js';
import type { InflightEntry, MailboxLedger } from '../ledger/mailbox-ledger.js';
import type { FetchPlan } from '../mail/fetch-plan.js';
import { buildMessageView, fetchQuery } from '../mail/parse.js';
import { delay, type Clock, type Logger } from '../ports.js';
import { backoffDelay } from './backoff.js';
import { classifyError, type Failure } from './errors.js';
import { ImapSession } from './imapflow-session.js';
import { uidSet } from './uid-set.js';

export interface WatcherDeps {
  account: Account;
  mailbox: string;
  settings: EngineSettings;
  clock: Clock;
  log: Logger;
  password: () => Promise<string>;
  ledger: MailboxLedger;
  classify: Classifier;
  /** Where decisions go: the activity log (or, in a dry run, only the listeners). */
  record: (entries: ActivityEntry[]) => Promise<void>;
  /** Keys of entries already recorded as done (used when re-running an in-flight batch). */
  recordedKeys: () => Promise<Set<string>>;
  onStatus: (s: MailboxStatus) => void;
  dryRun: boolean;
  /** Catch up once, then stop (`solon run --once`). */
  once?: boolean;
  random?: () => number;
  /** Tests: force COPY + \Deleted + UID EXPUNGE. */
  noMove?: boolean;
  /** What the classifier reads (fetchPlanFor(rules, categories)); default: everything. */
  fetchPlan?: FetchPlan;
}

/**
 * Watches one mailbox over one IMAP connection, forever: connect → sync → IDLE, and when the
 * connection ends for any reason, back off and do it again. Every message with a UID above the
 * checkpoint is handled exactly once (see MailboxLedger for how).
 */
export class MailboxWatcher {
  status: MailboxStatus;
  lastMessage: LastMessage | undefined;
  private session: ImapSession | undefined;
  private stopping = false;
  private suspended = false;
  private authFailed = false;
  private attempts = 0;
  private wake = new AbortController();
  private loopDone: Promise<void> | undefined;
  private working: Promise<void> | undefined;
  private dirty = false;
  /** Bytes received and when, as of the batch's start or the watchdog's last look. */
  private progress = { received: 0, at: 0 };
  /** The batch is waiting on the classifier (the LLM), not on the server. */
  private classifying = false;
  /**
   * Messages Undo is putting back here, by Message-ID, with when the expectation lapses. They
   * arrive with a new UID, like new mail; without this they would be sorted straight away
   * again (done → undone → done). One arrival each is left alone.
   */
  private readonly returning = new Map<string, number>();
  /** Aborts when stop() is called: a slow classifier gives up at once. */
  private readonly stopSignal = new AbortController();
  private readonly log: Logger;
  private onceResolve: (() => void) | undefined;
  /** Resolves when the first catch-up after start has finished (or the watcher stopped). */
  readonly caughtUp: Promise<void>;

  constructor(private readonly d: WatcherDeps) {
    this.log = d.log.child({ mailbox: d.mailbox });
    this.status = {
      mailbox: d.mailbox,
      state: 'stopped',
      reason: 'not started',
      since: d.clock.now(),
      attempts: 0,
    };
    this.caughtUp = new Promise((resolve) => (this.onceResolve = resolve));
  }

  start(): void {
    this.loopDone ??= this.loop().catch((err: unknown) => {
      // A bug, not a mail problem: say it loudly; the engine decides whether to restart us.
      this.log.error('watcher loop crashed', { err: String((err as Error)?.stack ?? err) });
      this.setState('stopped', `internal error: ${String(err)}`, 'INTERNAL');
    });
  }

  /** Finish the batch in hand (checkpoint flushed), log out, stop. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    this.wake.abort();
    await this.working?.catch(() => undefined);
    await this.session?.logout();
    await this.loopDone;
    this.setState('stopped', 'stopped');
    this.onceResolve?.();
  }

  /** The OS is going to sleep, or the user paused: drop the connection, do nothing until resume(). */
  suspend(reason = 'paused'): void {
    this.suspended = true;
    this.setState('suspended', reason);
    this.session?.discard({ kind: 'closed', reason, code: 'SUSPENDED' });
    this.wake.abort();
  }

  /**
   * Woke up, or the user said "reconnect now": a connection that lived through a sleep is
   * presumed dead (it is usually blackholed), so reconnect at once, no backoff, no timeouts.
   * Also the way out of auth-failed once the user fixed the password.
   */
  resume(reason = 'resumed'): void {
    this.suspended = false;
    this.authFailed = false;
    this.attempts = 0;
    this.session?.discard({ kind: 'closed', reason, code: 'RESUMED' });
    this.wake.abort();
  }

  /** Network changed or screen unlocked: check the connection (NOOP with deadline); reconnect if dead. */
  async probe(): Promise<void> {
    const s = this.session;
    if (!s || this.status.state !== 'watching') {
      // Not connected: try now rather than at the end of the backoff.
      if (this.status.state === 'backing-off') {
        this.attempts = 0;
        this.wake.abort();
      }
      return;
    }
    this.setState('probing', 'checking the connection');
    const failed = await s.probe(this.d.settings.probeTimeoutMs, this.d.clock);
    if (failed) {
      this.log.info('probe failed', { reason: failed.reason });
      s.discard(failed);
    } else if (this.session === s && (this.status.state as ConnectionState) === 'probing') {
      this.setState('watching', 'connection checked');
    }
  }

  /** Catch up by UID now (the tray's "Check now"). */
  /** The mailbox this watcher watches. */
  get mailbox(): string {
    return this.d.mailbox;
  }

  /**
   * Undo is about to move the message with this Message-ID back into this mailbox: leave its
   * arrival alone (within `forMs`), and log it as put back.
   */
  expectReturn(messageId: string, forMs = 10 * 60_000): () => void {
    this.returning.set(messageId, this.d.clock.now() + forMs);
    return () => this.returning.delete(messageId);
  }

  /** Is this arrival a message Undo put back? Consumes the expectation. */
  private isReturn(messageId: string | undefined): boolean {
    if (messageId === undefined) return false;
    const until = this.returning.get(messageId);
    if (until === undefined) return false;
    this.returning.delete(messageId);
    return until >= this.d.clock.now();
  }

  checkNow(): void {
    if (this.session?.usable) this.kick();
  }

  private setState(
    state: ConnectionState,
    reason: string,
    code?: string,
    nextRetryAt?: number,
  ): void {
    const prev = this.status;
    this.status = {
      mailbox: this.d.mailbox,
      state,
      reason,
      code,
      since: prev.state === state && prev.reason === reason ? prev.since : this.d.clock.now(),
      nextRetryAt,
      attempts: this.attempts,
    };
    if (prev.state !== state || prev.reason !== reason || prev.nextRetryAt !== nextRetryAt) {
      this.log.debug('state', { state, reason });
      this.d.onStatus(this.status);
    }
  }

  private async waitForWake(ms?: number): Promise<void> {
    await delay(this.d.clock, ms ?? 2 ** 31 - 1, this.wake.signal);
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }

  private async loop(): Promise<void> {
    let lastFailure: Failure | undefined;
    while (!this.stopping) {
      if (this.suspended || this.authFailed) {
        await this.waitForWake();
        continue;
      }
      this.setState(
        'connecting',
        lastFailure ? `reconnecting after: ${lastFailure.reason}` : 'connecting',
      );
      const started = this.d.clock.now();
      const { failure, watchedSince } = await this.runSession();
      lastFailure = failure;
      if (this.stopping) break;
      if (
        this.d.once &&
        (failure.code === 'ONCE_DONE' || failure.kind === 'auth' || this.attempts >= 2)
      ) {
        // --once: done, or give up rather than wait out a long backoff.
        if (failure.code !== 'ONCE_DONE')
          this.setState(
            failure.kind === 'auth' ? 'auth-failed' : 'backing-off',
            failure.reason,
            failure.code,
          );
        this.onceResolve?.();
        break;
      }
      if (this.suspended) continue;
      if (failure.kind === 'auth') {
        this.authFailed = true;
        this.setState('auth-failed', `${failure.reason}: fix it, then resume`, failure.code);
        continue;
      }
      if (
        watchedSince !== undefined &&
        this.d.clock.now() - watchedSince >= this.d.settings.stableMs
      )
        this.attempts = 0;
      const wait = backoffDelay(
        this.attempts,
        { baseMs: this.d.settings.backoffBaseMs, capMs: this.d.settings.backoffCapMs },
        this.d.random,
        failure.kind === 'throttled' ? this.d.settings.throttleMinMs : 0,
      );
      this.attempts++;
      this.log.info('connection ended', {
        reason: failure.reason,
        code: failure.code,
        retryInMs: wait,
        upMs: this.d.clock.now() - started,
      });
      if (wait > 0) {
        this.setState('backing-off', failure.reason, failure.code, this.d.clock.now() + wait);
        await this.waitForWake(wait);
      }
    }
  }

  private async runSession(): Promise<{ failure: Failure; watchedSince?: number }> {
    let session: ImapSession;
    try {
      const password = await this.d.password();
      session = await ImapSession.create(this.d.account, password, this.d.settings, this.log);
    } catch (err) {
      return {
        failure: {
          kind: 'other',
          reason: `cannot prepare the connection: ${(err as Error).message}`,
          code: 'SETUP',
        },
      };
    }
    this.session = session;
    const timers: Array<ReturnType<Clock['setTimeout']>> = [];
    let watchedSince: number | undefined;
    try {
      await session.connect();
      if (this.suspended || this.stopping)
        return { failure: { kind: 'closed', reason: 'suspended', code: 'SUSPENDED' } };
      const client = session.client;
      client.on('exists', (e) => {
        if (e.path === this.d.mailbox) this.kick();
      });
      const box = await client.mailboxOpen(this.d.mailbox);
      client.on('mailboxOpen', (m: MailboxObject) => {
        if (
          m.path === this.d.mailbox &&
          m.uidValidity.toString() !== this.d.ledger.state.uidValidity
        ) {
          session.discard({ kind: 'closed', reason: 'UIDVALIDITY changed', code: 'UIDVALIDITY' });
        }
      });
      this.setState('syncing', 'catching up');
      await this.reconcile(box);
      this.kick();
      await this.working;
      if (!session.usable) return { failure: await session.ended };
      this.onceResolve?.();
      if (this.d.once) {
        await session.logout();
        return { failure: { kind: 'closed', reason: 'caught up', code: 'ONCE_DONE' } };
      }
      watchedSince = this.d.clock.now();
      this.setState('watching', 'watching for new mail');
      this.log.info('watching', { lastUid: this.d.ledger.state.lastUid });

      // Watchdog: a NOOP with a deadline at a steady pace catches a silent dead connection.
      // While a batch runs it cannot be probed (a NOOP would queue behind it), so it counts as
      // alive while bytes keep arriving: no byte for a NOOP deadline since the batch began (or
      // since the last byte seen) means dead, the same bound as an idle connection's.
      const watchdog = (ms = this.d.settings.probeIntervalMs): void => {
        timers[0] = this.d.clock.setTimeout(() => {
          if (!session.usable) return;
          if (this.working) {
            const received = session.client.stats().received;
            const now = this.d.clock.now();
            if (received !== this.progress.received || this.classifying) {
              this.progress = { received, at: now };
            } else if (now - this.progress.at >= this.d.settings.probeTimeoutMs) {
              const f: Failure = {
                kind: 'timeout',
                reason: `no answer from the server for ${Math.round((now - this.progress.at) / 1000)} s during a batch`,
                code: 'STALLED',
              };
              this.log.info('watchdog: batch stalled', { reason: f.reason });
              session.discard(f);
              return;
            }
            return watchdog(
              Math.min(this.d.settings.probeTimeoutMs, this.d.settings.probeIntervalMs),
            );
          }
          void session.probe(this.d.settings.probeTimeoutMs, this.d.clock).then((f) => {
            if (f) {
              this.log.info('watchdog: connection dead', { reason: f.reason });
              session.discard(f);
            } else watchdog();
          });
        }, ms);
      };
      watchdog();
      const safetyNet = (): void => {
        timers[1] = this.d.clock.setTimeout(() => {
          this.kick();
          safetyNet();
        }, this.d.settings.safetySyncMs);
      };
      safetyNet();
      return { failure: await session.ended, watchedSince };
    } catch (err) {
      let failure = classifyError(err);
      if (failure.kind === 'mailbox-missing') {
        failure = {
          ...failure,
          reason: `mailbox "${this.d.mailbox}" does not exist on the server`,
        };
      }
      session.discard(failure);
      return { failure: await session.ended, watchedSince };
    } finally {
      for (const t of timers) this.d.clock.clearTimeout(t);
      session.discard();
      // Let the worker notice the dead session and unwind before the next session starts.
      await this.working?.catch(() => undefined);
      if (this.session === session) this.session = undefined;
    }
  }

  /** Align the checkpoint with the server's idea of the mailbox (first run, UIDVALIDITY change). */
  private async reconcile(box: MailboxObject): Promise<void> {
    const ledger = this.d.ledger;
    const validity = box.uidValidity.toString();
    const client = this.session!.client;
    const newestArrival = async (): Promise<number | undefined> => {
      if (box.exists === 0) return undefined;
      const last = await client.fetchOne('*', { uid: true, internalDate: true });
      return last && last.internalDate instanceof Date ? last.internalDate.getTime() : undefined;
    };
    if (!ledger.initialized) {
      ledger.reset(validity, box.uidNext);
      ledger.noteArrival(await newestArrival());
      await ledger.save();
      this.log.info('first run on this mailbox: new mail only, starting at UIDNEXT', {
        uidNext: box.uidNext,
      });
      return;
    }
    if (ledger.state.uidValidity === validity) return;
    // The mailbox was recreated (or the server renumbered it). Old UIDs mean nothing now. Do not
    // re-act on old mail: a message counts as new only if it arrived (server time) no earlier
    // than the newest one we had seen, and its Message-ID is not one we already handled. With
    // no arrival on record, nothing counts as new: leaving mail alone is the safe mistake.
    const lastArrival = ledger.state.lastArrival;
    const handled = new Set(ledger.state.handledIds);
    const fresh: number[] = [];
    if (lastArrival !== undefined) {
      // SEARCH SINCE has day granularity (and the server's time zone): widen, then filter exactly.
      const since = new Date(lastArrival - 2 * 86400_000);
      const candidates = (await client.search({ since }, { uid: true })) || [];
      if (candidates.length > 0) {
        const rows = await client.fetchAll(
          uidSet(candidates),
          { uid: true, internalDate: true, envelope: true },
          { uid: true },
        );
        // INTERNALDATE has whole seconds: compare at that resolution.
        const floor = Math.floor(lastArrival / 1000) * 1000;
        for (const r of rows) {
          const arrived = r.internalDate instanceof Date ? r.internalDate.getTime() : undefined;
          const id = stripAngles(r.envelope?.messageId);
          if (arrived !== undefined && arrived >= floor && !(id && handled.has(id)))
            fresh.push(r.uid);
        }
      }
    }
    this.log.warn('UIDVALIDITY changed: mailbox was recreated; old mail is left alone', {
      was: ledger.state.uidValidity,
      now: validity,
      newMessages: fresh.length,
    });
    ledger.reset(validity, box.uidNext);
    for (const uid of fresh) ledger.state.retry[String(uid)] = 0;
    await ledger.save();
  }

  /** Ask the worker to catch up; coalesces bursts of EXISTS into one pass. */
  private kick(): void {
    this.dirty = true;
    if (this.working) return;
    this.progress = {
      received: this.session?.client.stats().received ?? 0,
      at: this.d.clock.now(),
    };
    this.working = this.work().finally(() => {
      this.working = undefined;
    });
  }

  private async work(): Promise<void> {
    await Promise.resolve(); // always settle after `working` is assigned
    try {
      while (this.dirty && this.session?.usable && !this.stopping) {
        this.dirty = false;
        await this.catchUp();
      }
    } catch (err) {
      const s = this.session;
      if (err instanceof ConnectionLost || !s?.usable) {
        this.log.info('batch interrupted by connection loss; it will be re-run', {
          err: (err as Error).message,
        });
      } else {
        this.log.error('catch-up failed', { err: String((err as Error)?.stack ?? err) });
      }
      s?.discard(classifyError(err));
    }
  }

  /** Messages per catch-up batch: larger when only header fields are fetched (config.ts). */
  private batchSize(): number {
    const plan = this.d.fetchPlan;
    return plan && !plan.body ? this.d.settings.headerBatchSize : this.d.settings.batchSize;
  }

  private async catchUp(): Promise<void> {
    const ledger = this.d.ledger;
    if (ledger.state.inflight.length > 0) await this.recover();
    const client = this.session!.client;
    let retryDone = false;
    for (;;) {
      const s = ledger.state;
      const retry = retryDone ? [] : Object.keys(s.retry).map(Number);
      retryDone = true;
      const found = (await client.search({ uid: `${s.lastUid + 1}:*` }, { uid: true })) || [];
      // `n:*` matches the last message even when n is past the end: filter by UID.
      const fresh = found
        .filter((u) => u > s.lastUid && !ledger.isQuarantined(u))
        .sort((a, b) => a - b);
      if (fresh.length === 0 && retry.length === 0) return;
      const batch = fresh.slice(0, this.batchSize());
      const through = batch.length > 0 ? batch[batch.length - 1]! : s.lastUid;
      await this.processBatch([...retry, ...batch], through);
      if (!this.session?.usable) throw new ConnectionLost('catch-up');
    }
  }

  private async processBatch(uids: number[], throughUid: number): Promise<void> {
    const client = this.session!.client;
    const ledger = this.d.ledger;
    const rows: FetchMessageObject[] = uids.length
      ? await client.fetchAll(
          uidSet(uids),
          fetchQuery(this.d.settings.fetchPrefixBytes, this.d.fetchPlan),
          {
            uid: true,
          },
        )
      : [];
    if (!this.session?.usable) throw new ConnectionLost('FETCH');
    for (const r of rows)
      ledger.noteArrival(r.internalDate instanceof Date ? r.internalDate.getTime() : undefined);
    // UIDs missing from the answer were expunged or moved by someone else between SEARCH and
    // FETCH (or since a failed attempt): nothing left to do for them, nor to retry.
    const fetched = new Set(rows.map((r) => r.uid));
    for (const uid of uids) if (!fetched.has(uid)) delete ledger.state.retry[String(uid)];
    type Entry = Omit<InflightEntry, 'attempts'>;
    const classified: Promise<Entry>[] = [];
    // Classification may wait on the LLM, seconds per message: that is not the server being
    // silent, so the batch watchdog does not count it (see `classifying`). All of the batch is
    // handed to the classifier at once; the categorizer's limiter decides how many requests are
    // in flight, so maxConcurrent > 1 helps within one mailbox too.
    this.classifying = true;
    let cut = false;
    try {
      for (const row of rows.sort((a, b) => a.uid - b.uid)) {
        const view = await buildMessageView(row, {
          parseTimeoutMs: this.d.settings.parseTimeoutMs,
        });
        const from = view.from
          .map((a) => (a.name ? `${a.name} <${a.address}>` : a.address))
          .join(', ');
        const base = {
          uid: row.uid,
          messageId: view.messageId,
          from,
          subject: view.subject,
          startedAt: this.d.clock.now(),
        };
        if (this.isReturn(view.messageId)) {
          classified.push(
            Promise.resolve({
              ...base,
              rules: [],
              plan: emptyPlan(),
              note: 'put back by Undo; left as it is',
            }),
          );
          continue;
        }
        if (view.parseError) {
          classified.push(
            Promise.resolve({
              ...base,
              rules: [],
              plan: emptyPlan(),
              error: `could not parse: ${view.parseError}`,
            }),
          );
          continue;
        }
        classified.push(
          (async (): Promise<Entry> => {
            try {
              const c = await this.d.classify(view, this.stopSignal.signal);
              if (c.aborted) cut = true;
              return {
                ...base,
                rules: c.rules,
                category: c.category,
                ...(c.note !== undefined ? { note: c.note } : {}),
                plan: c.plan,
              };
            } catch (err) {
              return {
                ...base,
                rules: [],
                plan: emptyPlan(),
                error: `classification failed: ${(err as Error).message}`,
              };
            }
          })(),
        );
      }
    } finally {
      // Parsing never throws, but the promises must settle before we leave, come what may.
      await Promise.allSettled(classified);
      this.classifying = false;
      // The server owes us nothing for the time we spent thinking: its clock starts now.
      this.progress = {
        received: this.session?.client.stats().received ?? 0,
        at: this.d.clock.now(),
      };
    }
    const entries = await Promise.all(classified);
    // Stopping cut the classifier short: abandon the batch (nothing acted on, nothing logged);
    // it is re-run at the next start, and the decisions already made are remembered then.
    if (cut) throw new ConnectionLost('classification (stopping)');
    if (this.d.dryRun) {
      await this.d.record(
        entries.map((e) =>
          this.entry(
            e,
            e.error ? 'error' : isEmptyPlan(toPlan(e.plan)) ? 'no-match' : 'dry-run',
            [],
            e.error,
          ),
        ),
      );
      ledger.state.lastUid = Math.max(ledger.state.lastUid, throughUid);
      for (const e of entries) delete ledger.state.retry[String(e.uid)];
      return;
    }
    const started = await ledger.begin(entries, throughUid);
    const actionable = started.filter((e) => !e.error && !isEmptyPlan(toPlan(e.plan)));
    const outcomes = actionable.length
      ? await executePlans(
          client,
          this.d.mailbox,
          actionable.map((e) => ({ uid: e.uid, messageId: e.messageId, plan: toPlan(e.plan) })),
          {
            careful: false,
            noMove: this.d.noMove,
            log: this.log,
          },
        )
      : new Map<number, ExecOutcome>();
    await this.finish(started, outcomes, throughUid, false);
  }

  /** Re-run the batch that was in flight when we crashed or lost the connection. */
  private async recover(): Promise<void> {
    const ledger = this.d.ledger;
    const client = this.session!.client;
    const through = ledger.state.inflightThrough;
    this.log.warn('re-running the batch that was in flight', {
      messages: ledger.state.inflight.length,
    });
    const recorded = await this.d.recordedKeys();
    const validity = ledger.state.uidValidity!;
    // Counting this restart as an attempt before acting is what lets a message that kills us
    // every time end up quarantined instead of in a crash loop.
    const restarted = await ledger.begin(ledger.state.inflight, through);
    const outcomes = new Map<number, ExecOutcome>();
    const silent = new Set<number>();
    for (const e of restarted) {
      if (recorded.has(messageKey(this.d.account.id, this.d.mailbox, validity, e.uid))) {
        silent.add(e.uid); // finished and logged before the crash
        continue;
      }
      if (e.attempts > this.d.settings.maxAttempts) {
        outcomes.set(e.uid, {
          ok: false,
          error: `gave up after ${e.attempts - 1} attempts (handling it kept failing)`,
          undo: [],
        });
        continue;
      }
      if (e.error || isEmptyPlan(toPlan(e.plan))) continue;
      // One message at a time, checking what already happened, so nothing is done twice.
      const one = await executePlans(
        client,
        this.d.mailbox,
        [{ uid: e.uid, messageId: e.messageId, plan: toPlan(e.plan) }],
        {
          careful: true,
          noMove: this.d.noMove,
          log: this.log,
        },
      );
      outcomes.set(e.uid, one.get(e.uid)!);
    }
    await this.finish(restarted, outcomes, through, true, silent);
  }

  /** Log each message's outcome, then commit the checkpoint (activity first: see recover()). */
  private async finish(
    entries: InflightEntry[],
    outcomes: Map<number, ExecOutcome>,
    throughUid: number,
    recovered: boolean,
    silent: Set<number> = new Set(),
  ): Promise<void> {
    const activity: ActivityEntry[] = [];
    const done: { uid: number; messageId?: string }[] = [];
    const failed: { uid: number; attempts: number }[] = [];
    for (const e of entries) {
      const o = outcomes.get(e.uid);
      const error = e.error ?? (o && !o.ok ? o.error : undefined);
      if (error) {
        failed.push({ uid: e.uid, attempts: e.attempts });
        if (!silent.has(e.uid))
          activity.push(this.entry(e, 'error', o?.undo ?? [], error, recovered));
      } else {
        done.push({ uid: e.uid, messageId: e.messageId });
        if (!silent.has(e.uid))
          activity.push(
            this.entry(
              e,
              isEmptyPlan(toPlan(e.plan)) ? 'no-match' : 'done',
              o?.undo ?? [],
              undefined,
              recovered,
            ),
          );
      }
    }
    await this.d.record(activity);
    const { quarantined } = await this.d.ledger.commit({
      throughUid,
      done,
      failed,
      maxAttempts: this.d.settings.maxAttempts,
      now: this.d.clock.now(),
    });
    if (quarantined.length > 0) {
      const q = entries.filter((e) => quarantined.includes(e.uid));
      this.log.warn('quarantined: left in place, will not be retried', { uids: quarantined });
      await this.d.record(
        q.map((e) =>
          this.entry(e, 'quarantined', [], `gave up after ${e.attempts} attempts`, recovered),
        ),
      );
    }
    const last = [...entries].reverse().find((e) => !silent.has(e.uid));
    if (last) {
      this.lastMessage = {
        at: this.d.clock.now(),
        mailbox: this.d.mailbox,
        from: last.from,
        subject: last.subject,
        summary: describePlan(toPlan(last.plan)),
      };
    }
  }

  private entry(
    e: Omit<InflightEntry, 'attempts'>,
    result: ActivityEntry['result'],
    undo: ActivityEntry['undo'],
    error?: string,
    recovered = false,
  ): ActivityEntry {
    const validity = this.d.ledger.state.uidValidity ?? '0';
    const key = messageKey(this.d.account.id, this.d.mailbox, validity, e.uid);
    return {
      key,
      id: `${key}/${this.d.clock.now()}/${result}`,
      at: this.d.clock.now(),
      accountId: this.d.account.id,
      mailbox: this.d.mailbox,
      uidValidity: validity,
      uid: e.uid,
      messageId: e.messageId,
      from: e.from,
      subject: e.subject,
      rules: e.rules,
      category: e.category,
      actions: describePlan(toPlan(e.plan)),
      result,
      error,
      ...(e.note !== undefined ? { note: e.note } : {}),
      undo,
      ...(recovered ? { recovered } : {}),
    };
  }
}

function toPlan(p: InflightEntry['plan']): Plan {
  return { ...p, moveTo: p.moveTo };
}

function stripAngles(id: string | undefined): string | undefined {
  return id?.replace(/^<|>$/g, '') || undefined;
}
