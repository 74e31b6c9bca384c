import { describe, expect, it } from 'vitest';
import { AppSettings, SETTINGS_VERSION } from '../../../src/shared/domain/settings.js';
import {
  migrate,
  migrations,
  settingsVersionOf,
  withoutPlainTextPasswords,
  type Migration,
} from '../../../src/main/core/settings/migrations.js';
import { defaults } from '../../../src/main/core/settings/defaults.js';

const SECRET = 'hunter2-s3cr3t';

/** The prototype's file (v0): no version, mailbox: string, passwordCommand / pass. */
const v0 = {
  accounts: [
    {
      id: 'work',
      host: 'imap.work.test',
      user: 'me',
      mailbox: 'INBOX',
      passwordCommand: 'pass show work',
    },
    { id: 'home', host: 'imap.home.test', user: 'me', mailbox: 'Lists', pass: SECRET },
    { id: 'old', host: 'imap.old.test', user: 'me', password: SECRET },
    { id: 'both', host: 'imap.b.test', user: 'me', passwordCommand: 'pass b', pass: SECRET },
  ],
  rules: [],
  notify: false,
  autostart: true,
};

describe('the migration list', () => {
  it('starts at 0, steps by one, ends at the current version', () => {
    expect(migrations[0]?.from).toBe(0);
    migrations.forEach((m, i) => {
      expect(m.to).toBe(m.from + 1);
      if (i > 0) expect(m.from).toBe(migrations[i - 1]?.to);
      expect(m.why.length).toBeGreaterThan(10);
    });
    expect(migrations.at(-1)?.to).toBe(SETTINGS_VERSION);
  });
});

describe('settingsVersionOf', () => {
  it.each([
    [{}, 0],
    [{ version: 0 }, 0],
    [{ version: 1 }, 1],
    [{ version: 7 }, 7],
    [{ version: '1' }, undefined],
    [{ version: 1.5 }, undefined],
    [{ version: -1 }, undefined],
    [{ version: null }, undefined],
  ])('%j → %s', (doc, v) => {
    expect(settingsVersionOf(doc)).toBe(v);
  });
});

describe('v0 → v1', () => {
  const r = migrate(v0);
  if (!r.ok) throw new Error(r.message);

  it('reports what ran', () => {
    expect(r.from).toBe(0);
    expect(r.to).toBe(1);
    expect(r.applied).toEqual([expect.stringMatching(/^v0→v1: /)]);
  });

  it('gives a document the v1 schema accepts', () => {
    const parsed = AppSettings.parse(r.value);
    expect(parsed.version).toBe(1);
    expect(parsed.notifications.enabled).toBe(false);
    expect(parsed.startAtLogin).toBe(true);
  });

  it.each([
    [
      'mailbox → mailboxes, command kept',
      0,
      { mailboxes: ['INBOX'], password: { command: 'pass show work' } },
    ],
    ['pass → keychain', 1, { mailboxes: ['Lists'], password: { keychain: true } }],
    ['password as a string → keychain', 2, { password: { keychain: true } }],
    ['command wins over a plain-text pass', 3, { password: { command: 'pass b' } }],
  ] as const)('account: %s', (_what, i, expected) => {
    const accounts = r.value.accounts as Record<string, unknown>[];
    expect(accounts[i]).toMatchObject(expected);
    for (const gone of ['mailbox', 'passwordCommand', 'pass'])
      expect(accounts[i]).not.toHaveProperty(gone);
  });

  it('takes plain-text passwords out, hands them back, and never says them', () => {
    expect(JSON.stringify(r.value)).not.toContain(SECRET);
    expect(r.secrets).toEqual([
      { accountId: 'home', password: SECRET },
      { accountId: 'old', password: SECRET },
    ]);
    expect(r.notes).toHaveLength(3);
    for (const n of r.notes) expect(n).not.toContain(SECRET);
  });

  it('does not change its input', () => {
    const copy = structuredClone(v0);
    migrate(copy);
    expect(copy).toEqual(v0);
  });

  it('keeps notifications already there and an explicit startAtLogin', () => {
    const out = migrate({
      notify: true,
      notifications: { ruleNotify: false },
      autostart: true,
      startAtLogin: false,
    });
    expect(out.ok && out.value).toMatchObject({
      version: 1,
      notifications: { enabled: true, ruleNotify: false },
      startAtLogin: false,
    });
  });

  it('leaves odd input for zod to judge instead of throwing', () => {
    const out = migrate({ accounts: [null, 3, { mailbox: 5 }], notify: 'yes' });
    expect(out.ok).toBe(true);
    if (out.ok) expect(AppSettings.safeParse(out.value).success).toBe(false);
  });
});

describe('migrate', () => {
  it('leaves a current document as it is', () => {
    const doc = defaults();
    const out = migrate(doc);
    expect(out).toMatchObject({
      ok: true,
      from: SETTINGS_VERSION,
      to: SETTINGS_VERSION,
      applied: [],
    });
    expect(out.ok && out.value).toEqual(doc);
  });

  it.each([
    ['a list', [], 'not-an-object'],
    ['null', null, 'not-an-object'],
    ['a string', 'x', 'not-an-object'],
    ['a bad version', { version: 'one' }, 'bad-version'],
    ['a newer version', { version: SETTINGS_VERSION + 1 }, 'newer-version'],
  ] as const)('refuses %s', (_what, raw, code) => {
    expect(migrate(raw)).toMatchObject({ ok: false, code });
  });

  it('applies a chain in order, each on the previous result', () => {
    const seen: number[] = [];
    const chain: Migration[] = [0, 1, 2].map((from) => ({
      from,
      to: from + 1,
      why: `step ${from}`,
      up: (doc) => {
        seen.push(from);
        return { ...doc, trail: [...((doc.trail as number[] | undefined) ?? []), from] };
      },
    }));
    const out = migrate({ version: 1 }, chain, 3);
    expect(seen).toEqual([1, 2]);
    expect(out).toMatchObject({ ok: true, from: 1, to: 3, value: { version: 3, trail: [1, 2] } });
  });

  it('says so when a step is missing or throws', () => {
    const gap: Migration[] = [{ from: 0, to: 1, why: 'a', up: (d) => d }];
    expect(migrate({}, gap, 2)).toMatchObject({ ok: false, code: 'no-path' });
    const boom: Migration[] = [
      {
        from: 0,
        to: 1,
        why: 'b',
        up: () => {
          throw new Error('bug');
        },
      },
    ];
    expect(migrate({}, boom, 1)).toMatchObject({ ok: false, code: 'failed', message: /bug/ });
  });
});

describe('withoutPlainTextPasswords', () => {
  it('keeps everything but the clear passwords', () => {
    const out = withoutPlainTextPasswords(v0) as typeof v0;
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(out.accounts[0]).toEqual(v0.accounts[0]);
    expect(out.accounts[1]).toEqual({
      id: 'home',
      host: 'imap.home.test',
      user: 'me',
      mailbox: 'Lists',
    });
    expect(v0.accounts[1]).toHaveProperty('pass', SECRET);
  });

  it('keeps a password source object', () => {
    const doc = { accounts: [{ id: 'a', password: { command: 'x' } }] };
    expect(withoutPlainTextPasswords(doc)).toEqual(doc);
  });
});
