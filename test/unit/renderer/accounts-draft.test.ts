import { describe, expect, it } from 'vitest';
import {
  buildAccount,
  connectionFields,
  deriveId,
  describePasswordSource,
  draftKey,
  draftOf,
  editConnection,
  fieldOfFailure,
  fieldOfSettingsPath,
  firstField,
  needsTest,
  newDraft,
  portPlaceholder,
  problemAt,
  saveAnywayAllowed,
  withAccount,
  type AccountDraft,
} from '../../../src/renderer/accounts/draft.js';
import { Account, ACCOUNT_ID_MAX } from '../../../src/shared/domain/account.js';

const filled = (over: Partial<AccountDraft> = {}): AccountDraft => ({
  ...newDraft(),
  id: 'rita-example-com',
  user: 'rita@example.com',
  host: 'imap.example.com',
  password: 'secret',
  ...over,
});

const saved = Account.parse({
  id: 'work',
  host: 'imap.example.com',
  user: 'rita',
  password: { keychain: true },
  mailboxes: ['INBOX', 'Архив'],
});

describe('deriveId', () => {
  it('names the account from the user and host, as a folder name', () => {
    expect(deriveId('rita@example.com', 'imap.example.com')).toBe('rita-example-com');
    expect(deriveId('rita', 'imap.example.com')).toBe('rita-example-com');
    expect(deriveId('Rita.Müller', '127.0.0.1')).toBe('rita-muller-127-0-0-1');
    expect(deriveId('rita', '')).toBe('rita');
    expect(deriveId('', 'imap.example.com')).toBe('');
    expect(deriveId('_x', '')).toBe('x');
    expect(deriveId('Архив', '')).toBe('account');
  });

  it('does not take an id already in use', () => {
    const taken = new Set(['rita-example-com', 'rita-example-com-2']);
    expect(deriveId('rita@example.com', '', taken)).toBe('rita-example-com-3');
  });

  it('every derived id is one the schema accepts', () => {
    for (const [u, h] of [
      ['a@b', 'c'],
      ['-x-', '--'],
      ['日本', '例え.jp'],
      ['u'.repeat(5_000), 'example.com'],
    ] as const) {
      const id = deriveId(u, h);
      expect(id).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
      expect(Account.shape.id.safeParse(id).success).toBe(true);
      // Room for the -2, -3… that keeps it unique.
      expect(deriveId(u, h, new Set([id])).length).toBeLessThanOrEqual(ACCOUNT_ID_MAX);
    }
  });
});

describe('editConnection', () => {
  it('keeps the id following user and host until the user types one', () => {
    let d = editConnection(newDraft(), { user: 'rita' }, new Set());
    d = editConnection(d, { host: 'mail.example.org' }, new Set());
    expect(d.id).toBe('rita-example-org');
    d = { ...d, id: 'mine', idTouched: true };
    expect(editConnection(d, { host: 'other.net' }, new Set()).id).toBe('mine');
  });
});

describe('buildAccount', () => {
  it('makes a keychain account with the typed values, an empty port left out', () => {
    const r = buildAccount(filled({ host: ' imap.example.com ' }), { taken: new Set() });
    expect(r).toEqual({
      ok: true,
      account: {
        id: 'rita-example-com',
        host: 'imap.example.com',
        tls: 'implicit',
        insecureSkipVerify: false,
        user: 'rita@example.com',
        password: { keychain: true },
        mailboxes: ['INBOX'],
      },
    });
  });

  it('puts each problem at its field', () => {
    const r = buildAccount(
      { ...newDraft(), id: 'bad id', port: '99999', mailboxes: [] },
      { taken: new Set() },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(
      ['host', 'id', 'mailboxes', 'password', 'port', 'user'].sort(),
    );
    expect(firstField(r.errors)).toBe('user');
  });

  it('refuses a URL as the host and a taken id', () => {
    const r = buildAccount(filled({ host: 'imaps://imap.example.com' }), {
      taken: new Set(['rita-example-com']),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.host).toMatch(/without spaces/);
    expect(r.errors.id).toMatch(/already named/);
  });

  it('an existing account keeps its id and password source; no password needs typing', () => {
    const cmd = Account.parse({ ...saved, password: { command: 'pass show mail' } });
    const r = buildAccount(
      { ...draftOf(cmd), id: 'changed', mailboxes: ['INBOX'] },
      {
        existing: cmd,
        taken: new Set(),
      },
    );
    expect(r.ok && r.account).toMatchObject({
      id: 'work',
      password: { command: 'pass show mail' },
      mailboxes: ['INBOX'],
    });
  });

  it('for a test, only the connection fields count', () => {
    const r = buildAccount(filled({ id: '', mailboxes: [] }), { taken: new Set(), forTest: true });
    expect(r.ok && r.account.id).toBe('new-account');
    const bad = buildAccount(filled({ id: '', password: '' }), {
      taken: new Set(),
      forTest: true,
    });
    expect(!bad.ok && Object.keys(bad.errors)).toEqual(['password']);
  });
});

describe('when a test is due', () => {
  it('always for a new account; for a saved one only when the connection changed', () => {
    const built = (d: AccountDraft) => {
      const r = buildAccount(d, { existing: saved, taken: new Set() });
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.account;
    };
    expect(needsTest(saved, '')).toBe(true);
    const same = draftOf(saved);
    expect(needsTest(built({ ...same, mailboxes: ['INBOX'] }), '', saved)).toBe(false);
    expect(needsTest(built({ ...same, port: '993' }), '', saved)).toBe(false); // the same port
    expect(needsTest(built({ ...same, port: '1993' }), '', saved)).toBe(true);
    expect(needsTest(built({ ...same, password: 'new' }), 'new', saved)).toBe(true);
    expect(needsTest(built({ ...same, insecureSkipVerify: true }), '', saved)).toBe(true);
  });

  it('a test result holds while the connection half of the draft is the same', () => {
    const d = filled();
    expect(draftKey({ ...d, mailboxes: ['X'], id: 'other' })).toBe(draftKey(d));
    for (const change of [
      { user: 'x' },
      { host: 'x' },
      { port: '1' },
      { tls: 'starttls' as const },
      { caFile: '/ca.pem' },
      { insecureSkipVerify: true },
      { password: 'other' },
    ])
      expect(draftKey({ ...d, ...change })).not.toBe(draftKey(d));
    expect(connectionFields).not.toContain('mailboxes');
  });
});

describe('failures', () => {
  it('each kind lands at the field it concerns', () => {
    const none = { caFile: '' };
    expect(fieldOfFailure('auth', none)).toBe('password');
    expect(fieldOfFailure('password', none)).toBe('password');
    expect(fieldOfFailure('dns', none)).toBe('host');
    expect(fieldOfFailure('refused', none)).toBe('port');
    expect(fieldOfFailure('timeout', none)).toBe('host');
    expect(fieldOfFailure('tls', none)).toBe('tls');
    expect(fieldOfFailure('tls', { caFile: '/ca.pem' })).toBe('caFile');
    expect(fieldOfFailure('no-idle', none)).toBeUndefined();
    expect(fieldOfFailure('other', none)).toBeUndefined();
  });

  it('"Save anyway" only for what may pass by itself', () => {
    expect(saveAnywayAllowed('dns')).toBe(true);
    expect(saveAnywayAllowed('refused')).toBe(true);
    expect(saveAnywayAllowed('timeout')).toBe(true);
    expect(saveAnywayAllowed('auth')).toBe(false);
    expect(saveAnywayAllowed('tls')).toBe(false);
    expect(saveAnywayAllowed('no-idle')).toBe(false);
    expect(saveAnywayAllowed('password')).toBe(false);
  });

  it('a settings problem about this account names its field and its own message', () => {
    expect(fieldOfSettingsPath('accounts[1].host', 1)).toBe('host');
    expect(fieldOfSettingsPath('accounts[1].password.command', 1)).toBe('password');
    expect(fieldOfSettingsPath('accounts[0].host', 1)).toBeUndefined();
    expect(fieldOfSettingsPath('rules[0].name', 0)).toBeUndefined();
    expect(fieldOfSettingsPath(undefined, 0)).toBeUndefined();
    expect(problemAt('accounts[1].id: duplicate; rules[0]: bad', 'accounts[1].id')).toBe(
      'duplicate',
    );
    expect(problemAt('something else', 'accounts[0].id')).toBe('something else');
  });
});

describe('small helpers', () => {
  it('port placeholder follows the TLS mode', () => {
    expect(portPlaceholder('implicit')).toBe('993');
    expect(portPlaceholder('starttls')).toBe('143');
  });

  it('says where a password comes from, never what it is', () => {
    expect(describePasswordSource({ keychain: true })).toMatch(/keychain/);
    expect(describePasswordSource({ command: 'pass show x' })).toMatch(/pass show x/);
    expect(describePasswordSource({ env: 'PW' })).toMatch(/variable PW/);
  });

  it('withAccount replaces by id in place, or appends', () => {
    const other = Account.parse({ ...saved, id: 'home' });
    const changed = { ...saved, mailboxes: ['INBOX'] };
    expect(withAccount([saved, other], changed)).toEqual([changed, other]);
    expect(withAccount([other], saved)).toEqual([other, saved]);
  });
});
