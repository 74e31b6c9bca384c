/**
 * The fault matrix, network half: Solon talks to the private Dovecot through the fault proxy,
 * which resets, blackholes, cuts TLS, refuses, delays and mutes on command. Engine timers run
 * on a fake clock, so "45 s of silence" costs no real time; real I/O is real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultRig } from '../helpers/fault-harness.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { waitFor } from '../helpers/fake-clock.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const users = ['n01', 'n02', 'n03', 'n04', 'n06', 'n12', 'n15', 'n16'];
const dovecot = useDovecot({ users: users.map((u) => ({ user: u, password: `${u}-pw` })) });

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(user: string, offset: number): Promise<{ r: FaultRig; p: FaultProxy }> {
  const d = dovecot();
  const p = await startFaultProxy({ host: d.host, port: d.tlsPort });
  cleanup.push(() => p.stop());
  // A short connect timeout: a muted server must not cost 20 real seconds per attempt.
  const r = await FaultRig.start(d, user, {
    port: p.port,
    corpusOffset: offset,
    engine: { connectTimeoutMs: 2_000 },
  });
  cleanup.push(() => r.stop());
  return { r, p };
}

const reasonsSince = (r: FaultRig, mark: number): string =>
  r.transitions
    .slice(mark)
    .map((t) => `${t.state}: ${t.reason}`)
    .join(' | ');

describe('fault matrix (network faults through the proxy)', () => {
  it('1. reset during IDLE: reconnects at once, nothing lost or doubled', async () => {
    const { r, p } = await setup('n01', 1000);
    await r.deliver(3);
    await r.allHandled();
    const mark = r.transitions.length;
    const t0 = Date.now();
    p.resetAll();
    await r.deliver(3);
    await waitFor(
      'back to watching',
      () => r.statesSince(mark).includes('connecting') && r.state() === 'watching',
    );
    await r.deliver(3);
    await r.allHandled();
    expect(Date.now() - t0).toBeLessThan(5_000); // bound: first retry is immediate
    // imapflow reports the RST as an ECONNRESET error, or (when it lands mid-command) only as a close.
    expect(reasonsSince(r, mark)).toMatch(/ECONNRESET|connection closed/);
    await r.expectExactlyOnce();
  });

  it('2. blackhole with no OS signal (half-open): the watchdog detects it within 45 s of engine time', async () => {
    const { r, p } = await setup('n02', 1100);
    await r.deliver(2);
    await r.allHandled();
    const mark = r.transitions.length;
    p.newPath(); // the old connection goes silent forever; a new one would work
    await r.deliver(3); // delivered while Solon is deaf
    const detected = await r.runClockUntil(
      'detected',
      () => r.statesSince(mark).includes('connecting'),
      { stepMs: 1_000 },
    );
    expect(detected).toBeLessThanOrEqual(45_000); // probe interval 30 s + NOOP deadline 15 s
    expect(reasonsSince(r, mark)).toMatch(
      /no answer (to NOOP within 15 s|from the server for \d+ s during a batch)/,
    );
    await r.runClockUntil('watching', () => r.state() === 'watching');
    await r.deliver(2);
    await r.allHandled();
    await r.expectExactlyOnce();
  });

  it('3. blackhole, then resume() (the OS says we woke up): reconnects at once, no timeouts', async () => {
    const { r, p } = await setup('n03', 1200);
    await r.deliver(2);
    await r.allHandled();
    r.engine.suspend('the computer is going to sleep');
    p.newPath(); // what a wake on another network looks like
    await r.deliver(4); // mail that came in during the sleep
    const mark = r.transitions.length;
    const t0 = Date.now();
    r.engine.resume('woke up');
    await r.allHandled(); // no fake time advanced: nothing waited on a timer
    await r.watching();
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(3_000); // goal: < 3 s from resume() to watching with the backlog handled
    expect(r.statesSince(mark)).toEqual(expect.arrayContaining(['connecting', 'watching']));
    await r.expectExactlyOnce();
  });

  it('4. TLS cut mid-record (truncation, no close_notify): reconnects and re-syncs', async () => {
    const { r, p } = await setup('n04', 1300);
    await r.deliver(2);
    await r.allHandled();
    const mark = r.transitions.length;
    const cut = p.cutTlsMidRecord(); // the next server data (the EXISTS for the next mail) is cut
    await r.deliver(2);
    expect(await cut).toBe(1);
    await waitFor(
      'back to watching',
      () => r.statesSince(mark).includes('connecting') && r.state() === 'watching',
    );
    await r.deliver(2);
    await r.allHandled();
    await r.expectExactlyOnce();
  });

  it('6. refused for a minute, then accepted: jittered backoff without hammering', async () => {
    const { r, p } = await setup('n06', 1400);
    await r.deliver(2);
    await r.allHandled();
    await p.refuse(true, 'reset');
    p.resetAll();
    await r.deliver(3);
    const refusedFor = await r
      .runClockUntil('a minute of refusals', () => false, { stepMs: 1_000, maxMs: 60_000 })
      .catch(() => 60_000);
    const attempts = p.refusedAttempts;
    console.log(
      `refused for ${refusedFor / 1000} s of engine time: ${attempts} connection attempts`,
    );
    expect(attempts).toBeGreaterThanOrEqual(3); // it does keep trying
    expect(attempts).toBeLessThanOrEqual(12); // full jitter from 1 s doubling: ~7 expected, never a storm
    expect(r.state()).toBe('backing-off');
    await p.refuse(false);
    const back = await r.runClockUntil('watching again', () => r.state() === 'watching', {
      stepMs: 1_000,
    });
    // Bound: at most the backoff ceiling of the attempt in progress (1 s·2^(n-1), capped at 60 s).
    const ceiling = Math.min(60_000, 1_000 * 2 ** (attempts - 1));
    console.log(
      `back ${back / 1000} s of engine time after the server accepted again (ceiling ${ceiling / 1000} s)`,
    );
    expect(back).toBeLessThanOrEqual(ceiling + 1_000);
    await r.allHandled();
    await r.expectExactlyOnce();
  });

  it('12. another client expunges a message between EXISTS and FETCH: skipped cleanly, others flow', async () => {
    const { r, p } = await setup('n12', 1500);
    const d = dovecot();
    p.latency(300); // widen the window between the server's EXISTS and our FETCH
    const [gone] = await r.deliver(1);
    await d.doveadm(['expunge', '-u', 'n12', 'mailbox', 'INBOX', 'all']);
    r.delivered.length = 0; // the expunged one is not ours to handle
    await r.deliver(3);
    await r.allHandled();
    expect(r.activity.filter((e) => e.result === 'error')).toEqual([]);
    expect(r.state()).toBe('watching');
    const sorted = await d.listMessages('n12', 'Sorted');
    expect(sorted.length).toBeGreaterThanOrEqual(3);
    void gone;
    p.latency(0);
  });

  it('15. server stops answering (TCP session kept): probe deadline trips, then it reconnects', async () => {
    const { r, p } = await setup('n15', 1600);
    await r.deliver(2);
    await r.allHandled();
    const mark = r.transitions.length;
    p.muteServer(true);
    await r.deliver(2);
    const detected = await r.runClockUntil(
      'detected',
      () => r.statesSince(mark).includes('connecting'),
      { stepMs: 1_000 },
    );
    expect(detected).toBeLessThanOrEqual(45_000);
    expect(reasonsSince(r, mark)).toMatch(
      /no answer (to NOOP|from the server for \d+ s during a batch)/,
    );
    p.muteServer(false);
    await r.runClockUntil('watching', () => r.state() === 'watching', { stepMs: 1_000 });
    await r.allHandled();
    await r.expectExactlyOnce();
  });

  it('15b. the server goes silent in the middle of a batch: the stalled batch is caught and re-run', async () => {
    const { r, p } = await setup('n16', 1700);
    await r.deliver(2);
    await r.allHandled();
    const mark = r.transitions.length;
    p.muteServer(true);
    await r.deliver(3);
    r.engine.checkNow(); // a catch-up starts; its SEARCH is never answered
    const detected = await r.runClockUntil(
      'stall detected',
      () => r.statesSince(mark).includes('connecting'),
      { stepMs: 1_000 },
    );
    expect(detected).toBeLessThanOrEqual(90_000);
    expect(reasonsSince(r, mark)).toMatch(/no answer from the server for \d+ s during a batch/);
    p.muteServer(false);
    await r.runClockUntil('watching', () => r.state() === 'watching', { stepMs: 1_000 });
    await r.allHandled();
    await r.expectExactlyOnce();
  });
});
