import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import type { ActivityEntry } from '../../src/shared/domain/activity.js';
import type { EngineSettings } from '../../src/shared/domain/config.js';
import type { AccountStatus } from '../../src/shared/domain/status.js';
import { spamAssassinMessages, type CorpusMessage } from './corpus.js';
import { distinctById, idOf, normId } from './corpus-expect.js';
import type { Dovecot } from './dovecot.js';
import { FakeClock, waitFor } from './fake-clock.js';
import { configFor, sortEverything } from './solon-config.js';
import { testLogger } from './test-logger.js';

const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1', 'easy-ham-2'] }));

/** One transition of the account's status, with the real time it happened. */
export interface Transition {
  state: AccountStatus['state'];
  reason: string;
  code?: string;
  at: number;
}

/**
 * An engine on one account whose every message is moved to `Sorted`: the invariant of each
 * fault test is then easy to state and to check on the server — every delivered message is in
 * Sorted exactly once, INBOX is empty, and the activity log has one `done` per message.
 */
export class FaultRig {
  readonly transitions: Transition[] = [];
  readonly activity: ActivityEntry[] = [];
  readonly delivered: CorpusMessage[] = [];
  private next: number;

  private constructor(
    readonly d: Dovecot,
    readonly user: string,
    public engine: Engine,
    private readonly makeEngine: () => Engine,
    readonly clock: FakeClock,
    readonly dataDir: string,
    corpusOffset: number,
  ) {
    this.next = corpusOffset;
    this.listen(engine);
  }

  private listen(engine: Engine): void {
    engine.onStatus((all) => {
      const s = all[0]!;
      const last = this.transitions[this.transitions.length - 1];
      if (!last || last.state !== s.state || last.reason !== s.reason) {
        this.transitions.push({ state: s.state, reason: s.reason, code: s.code, at: Date.now() });
      }
    });
    engine.onActivity((e) => this.activity.push(e));
  }

  static async start(
    d: Dovecot,
    user: string,
    opts: {
      port?: number;
      engine?: Partial<EngineSettings>;
      corpusOffset?: number;
      passwordEnv?: string;
      env?: NodeJS.ProcessEnv;
      waitWatching?: boolean;
    } = {},
  ): Promise<FaultRig> {
    await d.createMailbox(user, 'Sorted').catch(() => undefined);
    const dataDir = await mkdtemp(join(tmpdir(), 'solon-fault-'));
    const passwordEnv = opts.passwordEnv ?? 'FAULT_PW';
    const base = configFor(d, {
      user,
      passwordEnv,
      dataDir,
      rules: sortEverything,
      engine: opts.engine,
    }) as { accounts: Record<string, unknown>[] };
    if (opts.port) base.accounts[0]!.port = opts.port;
    const clock = new FakeClock(Date.now());
    const password = d.users.find((u) => u.user === user)!.password;
    const config = parseConfig(base);
    const makeEngine = (): Engine =>
      createEngine({
        config,
        dataDir,
        env: opts.env ?? { [passwordEnv]: password },
        clock,
        log: testLogger(),
      });
    const rig = new FaultRig(
      d,
      user,
      makeEngine(),
      makeEngine,
      clock,
      dataDir,
      opts.corpusOffset ?? 0,
    );
    await rig.engine.start();
    if (opts.waitWatching !== false) await rig.watching();
    return rig;
  }

  /** Stop the engine (checkpoint kept) and start a new one on the same data folder. */
  async restartEngine(opts: { waitWatching?: boolean } = {}): Promise<void> {
    await this.engine.stop();
    this.engine = this.makeEngine();
    this.listen(this.engine);
    await this.engine.start();
    if (opts.waitWatching !== false) await this.watching();
  }

  /** Stop the engine, keeping its checkpoint (restartEngine() brings it back). */
  async stopEngine(): Promise<void> {
    await this.engine.stop();
  }

  state(): AccountStatus['state'] | undefined {
    return this.engine.status()[0]?.state;
  }

  async watching(timeoutMs = 15_000): Promise<void> {
    await waitFor('watching', () => this.state() === 'watching', { timeoutMs });
  }

  /**
   * Let engine time run until `pred` holds: advance the fake clock in steps, giving real I/O a
   * moment between steps. Returns the engine time it took (what a user would have waited).
   */
  async runClockUntil(
    what: string,
    pred: () => boolean,
    opts: { stepMs?: number; maxMs?: number } = {},
  ): Promise<number> {
    const start = this.clock.now();
    const step = opts.stepMs ?? 500;
    const max = opts.maxMs ?? 10 * 60_000;
    while (!pred()) {
      if (this.clock.now() - start > max)
        throw new Error(`${what}: not within ${max / 1000} s of engine time`);
      this.clock.advance(step);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.clock.now() - start;
  }

  /** Deliver the next `n` corpus messages (one connection, straight to the server). */
  async deliver(n: number): Promise<CorpusMessage[]> {
    const msgs = corpus.slice(this.next, this.next + n);
    this.next += n;
    await this.d.appendMany(
      this.user,
      'INBOX',
      msgs.map((m) => m.raw),
    );
    this.delivered.push(...msgs);
    return msgs;
  }

  /** Deliver by dropping files into the Maildir (works while IMAP logins are refused). */
  async deliverLocally(n: number): Promise<CorpusMessage[]> {
    const msgs = corpus.slice(this.next, this.next + n);
    this.next += n;
    for (const m of msgs) await this.d.deliverToMaildir(this.user, m.raw);
    this.delivered.push(...msgs);
    return msgs;
  }

  /** Wait until every delivered message has a decision (or the deadline passes). */
  async allHandled(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      `${this.delivered.length} decisions`,
      () =>
        new Set(this.activity.filter((e) => e.result === 'done').map((e) => e.messageId)).size >=
        this.delivered.length,
      { timeoutMs },
    );
  }

  /** The invariant: each delivered message moved exactly once, nothing left, nothing doubled. */
  async expectExactlyOnce(): Promise<void> {
    const done = this.activity.filter((e) => e.result === 'done').map((e) => normId(e.messageId));
    const want = this.delivered.map(idOf).sort();
    expect([...done].sort(), 'one done decision per delivered message').toEqual(want);
    const sorted = (await this.d.listMessages(this.user, 'Sorted'))
      .map((m) => normId(m.messageId))
      .sort();
    const inbox = (await this.d.listMessages(this.user, 'INBOX')).map((m) => normId(m.messageId));
    expect(sorted, 'every message in Sorted exactly once').toEqual(want);
    expect(inbox, 'nothing left in INBOX').toEqual([]);
  }

  /** States since index `from`, without repeats. */
  statesSince(from: number): string[] {
    return this.transitions.slice(from).map((t) => t.state);
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
