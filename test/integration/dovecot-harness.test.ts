// Proves the private-Dovecot harness does what integration tests rely on: verified TLS both
// ways, real delivery, IDLE push, admin kick, restart with mail kept, password change.
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { spamAssassinMessages } from '../helpers/corpus';
import type { Dovecot } from '../helpers/dovecot';
import { useDovecot } from '../helpers/use-dovecot';

const EVENT_DEADLINE_MS = 5_000;

const dovecot = useDovecot({
  users: [
    { user: 'alice', password: 'alice-secret' },
    { user: 'bob', password: 'bob-secret' },
  ],
});

/** Clients opened by a test; closed afterwards even when the test fails. */
const clients: ImapFlow[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function client(
  d: Dovecot,
  user: string,
  password: string,
  opts: Partial<ImapFlowOptions> = {},
): ImapFlow {
  const c = new ImapFlow({
    host: d.host,
    port: d.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: password },
    logger: false,
    ...opts,
  });
  // Without an error listener a reset connection would crash the worker.
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

/** Resolve when `arm` reports the event; reject with `what` after the deadline. */
function waitFor<T>(what: string, arm: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${EVENT_DEADLINE_MS} ms waiting for ${what}`)),
      EVENT_DEADLINE_MS,
    );
    arm((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function messageIdOf(raw: Buffer): string | undefined {
  return /^Message-ID:\s*(<[^>]*>)/im.exec(raw.toString('latin1'))?.[1];
}

describe('private Dovecot harness', () => {
  it('serves implicit TLS that verifies against caFile for 127.0.0.1 and localhost', async () => {
    const d = dovecot();
    for (const host of ['127.0.0.1', 'localhost']) {
      const c = client(d, 'alice', 'alice-secret', {
        host,
        port: d.tlsPort,
        secure: true,
        tls: { ca: d.caPem, rejectUnauthorized: true },
      });
      await c.connect();
      expect(c.tls && c.tls.authorized).toBe(true);
      await c.logout();
    }
  });

  it('rejects the self-signed certificate without the CA, so verification is really on', async () => {
    const d = dovecot();
    const c = client(d, 'alice', 'alice-secret', {
      port: d.tlsPort,
      secure: true,
      tls: { rejectUnauthorized: true },
    });
    await expect(c.connect()).rejects.toThrow();
  });

  it('upgrades the plain port with STARTTLS', async () => {
    const d = dovecot();
    const c = client(d, 'alice', 'alice-secret', {
      doSTARTTLS: true,
      tls: { ca: d.caPem, rejectUnauthorized: true },
    });
    await c.connect();
    expect(c.tls && c.tls.authorized).toBe(true);
    await c.logout();
  });

  it('delivers a real corpus message and lists it by UID and Message-ID', async () => {
    const d = dovecot();
    const [msg] = spamAssassinMessages({ groups: ['spam-1'], limit: 1 });
    if (!msg) throw new Error('SpamAssassin corpus is empty');
    await d.createMailbox('alice', 'Corpus');
    const uid = await d.append('alice', 'Corpus', msg.raw, ['\\Seen']);
    expect(await d.listMessages('alice', 'Corpus')).toEqual([
      { uid, messageId: messageIdOf(msg.raw), flags: ['\\Seen'] },
    ]);
    expect(await d.mailboxCounts('alice')).toMatchObject({ Corpus: 1 });
  });

  it('does not auto-create mailboxes', async () => {
    const d = dovecot();
    await expect(d.append('alice', 'Missing', 'Subject: x\n\nbody\n')).rejects.toThrow();
    expect(await d.mailboxCounts('alice')).not.toHaveProperty('Missing');
  });

  it('pushes EXISTS to an IDLE session when another connection appends', async () => {
    const d = dovecot();
    const c = client(d, 'alice', 'alice-secret');
    await c.connect();
    const mailbox = await c.mailboxOpen('INBOX');
    const before = mailbox.exists;
    const exists = waitFor<number>('EXISTS during IDLE', (resolve) =>
      c.on('exists', (e) => resolve(e.count)),
    );
    const idling = c.idle();
    await d.append(
      'alice',
      'INBOX',
      'Subject: idle probe\nMessage-ID: <idle-probe@solon.test>\n\nhello\n',
    );
    expect(await exists).toBe(before + 1);
    await c.logout();
    await idling;
  });

  it('kick closes the session with a BYE', async () => {
    const d = dovecot();
    const c = client(d, 'alice', 'alice-secret');
    await c.connect();
    await c.mailboxOpen('INBOX');
    const closed = waitFor<void>('close after kick', (resolve) => c.once('close', () => resolve()));
    await d.kick('alice');
    await closed;
    expect(c.byeReason).toMatch(/shutting down/i);
    expect(c.closedByClient).toBe(false);
    expect(c.usable).toBe(false);
  });

  it('restart keeps ports and mail', async () => {
    const d = dovecot();
    await d.createMailbox('alice', 'Kept');
    const uid = await d.append(
      'alice',
      'Kept',
      'Subject: keep me\nMessage-ID: <kept@solon.test>\n\nbody\n',
    );
    const { port, tlsPort } = d;
    await d.restart();
    expect([d.port, d.tlsPort]).toEqual([port, tlsPort]);
    expect(await d.listMessages('alice', 'Kept')).toEqual([
      { uid, messageId: '<kept@solon.test>', flags: [] },
    ]);
    const c = client(d, 'alice', 'alice-secret');
    await c.connect();
    expect(await c.status('Kept', { messages: true })).toMatchObject({ messages: 1 });
    await c.logout();
  });

  it('setPassword makes the old password fail with authenticationFailed', async () => {
    const d = dovecot();
    // Log in first so Dovecot has just read the passwd-file: the change must still be seen.
    const warm = client(d, 'bob', 'bob-secret');
    await warm.connect();
    await warm.logout();
    await d.setPassword('bob', 'bob-new-secret');
    const old = client(d, 'bob', 'bob-secret');
    await expect(old.connect()).rejects.toMatchObject({ authenticationFailed: true });
    const fresh = client(d, 'bob', 'bob-new-secret');
    await fresh.connect();
    await fresh.logout();
  });
});
