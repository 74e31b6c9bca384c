/**
 * The fault matrix of issue 3, against a real Dovecot (and, where the network misbehaves, the
 * fault proxy). Each case delivers mail before, during and after the fault and checks the
 * invariant (every message moved exactly once), the status path, and a recovery bound.
 * Case 10 (UIDVALIDITY) lives in supervisor.test.ts; cases 1–4, 6, 12 and 15 (network faults)
 * in faults-network.test.ts.
 */
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultRig } from '../helpers/fault-harness.js';
import { waitFor } from '../helpers/fake-clock.js';
import { useDovecot } from '../helpers/use-dovecot.js';

const users = ['f05', 'f07', 'f08', 'f09', 'f11', 'f13', 'f14'];
const dovecot = useDovecot({
  users: users.map((u) => ({ user: u, password: `${u}-pw` })),
  extraConfig: 'mail_max_userip_connections = 2\n',
});

let rigs: FaultRig[] = [];
afterEach(async () => {
  for (const r of rigs) await r.stop();
  rigs = [];
});
async function rig(...args: Parameters<typeof FaultRig.start>): Promise<FaultRig> {
  const r = await FaultRig.start(...args);
  rigs.push(r);
  return r;
}

describe('fault matrix (server-side faults)', () => {
  it('5. Dovecot restarted: reconnects on its own and handles everything once', async () => {
    const d = dovecot();
    const r = await rig(d, 'f05', { corpusOffset: 0 });
    await r.deliver(5);
    await r.allHandled();
    const mark = r.transitions.length;
    const t0 = Date.now();
    await d.restart();
    await r.deliver(5); // during: the server is back, the client may not know yet
    const waited = await r.runClockUntil(
      'reconnected',
      () => r.statesSince(mark).includes('connecting') && r.state() === 'watching',
    );
    expect(waited).toBeLessThanOrEqual(5_000); // engine time: backoff starts at ≤ 1 s
    await r.deliver(5);
    await r.allHandled();
    const recovery = Date.now() - t0;
    expect(r.statesSince(mark)).toContain('connecting');
    expect(recovery).toBeLessThan(10_000); // stated bound: immediate first retry, no timeouts involved
    await r.expectExactlyOnce();
  });

  it('9. per-user connection limit: not an auth failure; backs off at least 60 s; then recovers', async () => {
    const d = dovecot();
    const r = await rig(d, 'f09', { corpusOffset: 100 }); // checkpoint set
    await r.stopEngine();
    // Another client holds both allowed connections (mail_max_userip_connections = 2).
    const hogs: ImapFlow[] = [];
    for (let i = 0; i < 2; i++) {
      const c = new ImapFlow({
        host: d.host,
        port: d.tlsPort,
        secure: true,
        auth: { user: 'f09', pass: 'f09-pw' },
        tls: { ca: [d.caPem] },
        logger: false,
      });
      c.on('error', () => undefined);
      await c.connect();
      hogs.push(c);
    }
    const mark = r.transitions.length;
    await r.restartEngine({ waitWatching: false });
    const st = await waitFor('backing-off', () => {
      const s = r.engine.status()[0];
      return s?.state === 'backing-off' ? s : undefined;
    });
    // Dovecot answers the connection limit with [LIMIT]; on a loaded machine its auth process
    // can answer [UNAVAILABLE] (temporary failure) first. Both are "not now", never a password.
    expect(['LIMIT', 'UNAVAILABLE']).toContain(st.code);
    expect(st.reason).toMatch(/LIMIT|UNAVAILABLE/);
    expect(r.statesSince(mark)).not.toContain('auth-failed');
    expect(st.nextRetryAt! - r.clock.now()).toBeGreaterThanOrEqual(60_000);
    await r.deliverLocally(3); // mail arrives (by the MTA) while we are locked out
    const attempts = r.transitions.filter((t) => t.state === 'connecting').length;
    r.clock.advance(59_000); // not yet: no hammering
    await new Promise((res) => setImmediate(res));
    expect(r.transitions.filter((t) => t.state === 'connecting').length).toBe(attempts);
    for (const h of hogs) await h.logout();
    r.clock.advance(1_000); // the throttle floor has passed
    await r.watching();
    await r.allHandled();
    await r.expectExactlyOnce();
  });

  it('11. target folder deleted while running: clear error in status and activity, message left, others flow', async () => {
    const d = dovecot();
    const r = await rig(d, 'f11', { corpusOffset: 200 });
    await r.deliver(3);
    await r.allHandled();
    await d.doveadm(['mailbox', 'delete', '-u', 'f11', 'Sorted']);
    const [stuck] = await r.deliver(1);
    const err = await waitFor('error decision', () => r.activity.find((e) => e.result === 'error'));
    expect(err.error).toBe('folder "Sorted" does not exist on the server');
    expect(r.engine.status()[0]?.lastError?.error).toBe(
      'folder "Sorted" does not exist on the server',
    );
    expect(r.state()).toBe('watching'); // an action error is not a connection problem
    const inbox = await d.listMessages('f11', 'INBOX');
    expect(inbox).toHaveLength(1);
    expect(err.subject).toBeTruthy();
    // The folder comes back; the next catch-up retries the stuck message and new mail flows.
    await d.createMailbox('f11', 'Sorted');
    await r.deliver(2);
    await waitFor(
      'retried and new ones done',
      () => r.activity.filter((e) => e.result === 'done').length === 3 + 1 + 2,
    );
    expect(
      r.activity.find((e) => e.result === 'done' && e.messageId === err.messageId),
    ).toBeTruthy();
    expect(await d.listMessages('f11', 'INBOX')).toEqual([]);
    void stuck;
  });

  it('13. a burst of 200 messages in about a second: each handled exactly once', async () => {
    const d = dovecot();
    const r = await rig(d, 'f13', { corpusOffset: 300 });
    const t0 = Date.now();
    await r.deliver(200);
    const deliverMs = Date.now() - t0;
    await r.allHandled(60_000);
    console.log(
      `burst: 200 delivered in ${deliverMs} ms, all handled ${Date.now() - t0} ms after the first`,
    );
    await r.expectExactlyOnce();
  });

  it('7. server BYE (doveadm kick): reconnects at once, nothing missed', async () => {
    const d = dovecot();
    const r = await rig(d, 'f07', { corpusOffset: 400 });
    await r.deliver(3);
    await r.allHandled();
    const mark = r.transitions.length;
    const t0 = Date.now();
    await d.kick('f07');
    await r.deliver(3);
    await waitFor(
      'reconnected',
      () => r.statesSince(mark).includes('connecting') && r.state() === 'watching',
    );
    await r.deliver(3);
    await r.allHandled();
    expect(Date.now() - t0).toBeLessThan(5_000); // bound: the first retry is immediate
    expect(r.statesSince(mark)).toEqual(
      expect.arrayContaining(['connecting', 'syncing', 'watching']),
    );
    expect(r.statesSince(mark)).not.toContain('backing-off');
    await r.expectExactlyOnce();
  });

  it('8. password changed on the server: auth-failed at once, no retry storm; fixed + resume → catches up', async () => {
    const d = dovecot();
    const r = await rig(d, 'f08', { corpusOffset: 500 });
    await r.deliver(2);
    await r.allHandled();
    const mark = r.transitions.length;
    await d.setPassword('f08', 'rotated-by-admin');
    await d.kick('f08'); // the session ends; the next login uses the old password
    await r.deliver(2);
    const st = await waitFor('auth-failed', () => {
      const s = r.engine.status()[0];
      return s?.state === 'auth-failed' ? s : undefined;
    });
    expect(st.reason).toMatch(/wrong user name or password/);
    const logins = r.statesSince(mark).filter((s) => s === 'connecting').length;
    r.clock.advance(60 * 60_000); // an hour: no timer may bring a retry
    await r.engine.probe();
    expect(r.statesSince(mark).filter((s) => s === 'connecting').length).toBe(logins);
    expect(r.state()).toBe('auth-failed');
    await d.setPassword('f08', 'f08-pw'); // the user fixes it (the config still says f08-pw)
    r.engine.resume('password fixed');
    await r.watching();
    await r.deliver(2);
    await r.allHandled();
    await r.expectExactlyOnce();
  });

  it('14. the wall clock jumps forward by hours: treated as a wake (reconnect at once)', async () => {
    const d = dovecot();
    const r = await rig(d, 'f14', { corpusOffset: 600 });
    await r.deliver(2);
    await r.allHandled();
    const mark = r.transitions.length;
    r.clock.jump(5 * 3600_000); // asleep for five hours, no OS event
    await r.deliver(2); // mail that came during the sleep
    r.clock.advance(15_000); // the next tick of the sleep detector
    await waitFor(
      'reconnected',
      () => r.statesSince(mark).includes('connecting') && r.state() === 'watching',
    );
    expect(
      r.transitions
        .slice(mark)
        .map((t) => t.reason)
        .join(' | '),
    ).toMatch(/woke up \(clock jumped 1[78]\d{3} s\)/);
    await r.deliver(2);
    await r.allHandled();
    await r.expectExactlyOnce();
  });
});
