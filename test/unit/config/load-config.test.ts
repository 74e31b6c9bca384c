import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  defaultDataDir,
  loadConfig,
  parseConfig,
} from '../../../src/main/core/config/load-config.js';
import {
  EngineSettings,
  SolonConfig,
  formatPath,
  type ConfigProblem,
} from '../../../src/shared/domain/config.js';
import { accountPort } from '../../../src/shared/domain/account.js';

const account = {
  id: 'work',
  host: 'imap.example.org',
  user: 'me@example.org',
  password: { env: 'SOLON_WORK_PASSWORD' },
};
const rule = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'r1',
  name: 'Lists',
  conditions: [{ field: 'list-id', op: 'contains', value: 'debian' }],
  actions: [{ type: 'move', folder: 'Lists' }],
  ...over,
});

/** The problems parseConfig reports, or [] when it accepts the config. */
function problemsOf(raw: unknown): ConfigProblem[] {
  try {
    parseConfig(raw, 'solon.yaml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('formatPath', () => {
  it.each([
    [[], '(top level)'],
    [['accounts'], 'accounts'],
    [['accounts', 0, 'port'], 'accounts[0].port'],
    [['rules', 2, 'conditions', 0, 'value'], 'rules[2].conditions[0].value'],
    [[0, 'id'], '[0].id'],
  ] as const)('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('parseConfig', () => {
  it('accepts a minimal config and fills the defaults', () => {
    const c = parseConfig({ accounts: [account] });
    expect(c.accounts[0]).toEqual({
      ...account,
      tls: 'implicit',
      insecureSkipVerify: false,
      mailboxes: ['INBOX'],
    });
    expect(c.rules).toEqual([]);
    expect(c.categories).toEqual([]);
    expect(c.engine).toEqual(EngineSettings.parse({}));
    expect(c.engine.throttleMinMs).toBe(60_000);
    expect(c.engine.backoffCapMs).toBe(60_000);
  });

  it('accepts each password source', () => {
    for (const password of [
      { command: 'pass show mail/work' },
      { env: 'PW' },
      { keychain: true },
    ]) {
      expect(parseConfig({ accounts: [{ ...account, password }] }).accounts[0]?.password).toEqual(
        password,
      );
    }
  });

  it('returns rules as validated (defaults filled)', () => {
    const c = parseConfig({ accounts: [account], rules: [rule()] });
    expect(c.rules[0]).toMatchObject({ id: 'r1', enabled: true, match: 'all' });
    expect(c.rules[0]?.conditions[0]).toMatchObject({ negate: false, caseSensitive: false });
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'port as a string',
      { accounts: [{ ...account, port: '993' }] },
      'accounts[0].port',
      /expected number, received string/,
    ],
    [
      'port out of range',
      { accounts: [{ ...account, port: 70_000 }] },
      'accounts[0].port',
      /65535/,
    ],
    ['no accounts key', {}, 'accounts', /expected array/],
    ['an empty account list', { accounts: [] }, 'accounts', /add at least one account/],
    [
      'an unknown top-level key',
      { accounts: [account], rulez: [] },
      '(top level)',
      /Unrecognized key: "rulez"/,
    ],
    [
      'an unknown account key',
      { accounts: [{ ...account, pasword: 'x' }] },
      'accounts[0]',
      /Unrecognized key: "pasword"/,
    ],
    [
      'an unknown engine key',
      { accounts: [account], engine: { idleRefresh: 5 } },
      'engine',
      /Unrecognized key: "idleRefresh"/,
    ],
    [
      'an engine value under its minimum',
      { accounts: [account], engine: { idleRefreshMs: 10 } },
      'engine.idleRefreshMs',
      /10000/,
    ],
    [
      'an account id that cannot name a folder',
      { accounts: [{ ...account, id: '../x' }] },
      'accounts[0].id',
      /letters, digits, - and _/,
    ],
    [
      'an unknown tls mode',
      { accounts: [{ ...account, tls: 'ssl' }] },
      'accounts[0].tls',
      /implicit|starttls/,
    ],
    [
      'a password env that is not a variable name',
      { accounts: [{ ...account, password: { env: 'MY PW' } }] },
      'accounts[0].password.env',
      /not a valid environment variable name/,
    ],
    ['a config that is not an object', 'accounts: []', '(top level)', /expected object/],
    [
      'a bad regex in a rule',
      {
        accounts: [account],
        rules: [rule({ conditions: [{ field: 'subject', op: 'matches', value: 'foo(?=bar)' }] })],
      },
      'rules[0].conditions[0].value',
      /lookahead .* RE2/,
    ],
    [
      'a backreference in a second rule',
      {
        accounts: [account],
        rules: [
          rule(),
          rule({
            id: 'r2',
            conditions: [
              { field: 'subject', op: 'contains', value: 'x' },
              { field: 'from', op: 'matches', value: '(a)\\1' },
            ],
          }),
        ],
      },
      'rules[1].conditions[1].value',
      /backreference .* RE2/,
    ],
    [
      'an operator that does not fit the field',
      {
        accounts: [account],
        rules: [rule({ conditions: [{ field: 'size', op: 'contains', value: 'x' }] })],
      },
      'rules[0].conditions[0].op',
      /size supports only greater-than, less-than/,
    ],
    [
      'a rule without conditions',
      { accounts: [account], rules: [rule({ conditions: [] })] },
      'rules[0].conditions',
      /at least one condition/,
    ],
    [
      'duplicate rule ids',
      { accounts: [account], rules: [rule(), rule()] },
      'rules[1].id',
      /duplicate rule id "r1"/,
    ],
    [
      'a rule category that does not exist',
      {
        accounts: [account],
        rules: [rule({ category: 'Newsletters' })],
        categories: [{ name: 'Receipts' }],
      },
      'rules[0].category',
      /no category named "Newsletters"/,
    ],
    [
      'duplicate account ids',
      { accounts: [account, { ...account, host: 'other.example.org' }] },
      'accounts[1].id',
      /duplicate account id "work"/,
    ],
  ])('names the field for %s', (_what, raw, path, message) => {
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)?.message).toMatch(message);
  });

  it('accepts a rule category that exists', () => {
    const c = parseConfig({
      accounts: [account],
      rules: [rule({ category: 'Newsletters' })],
      categories: [{ name: 'Newsletters', description: 'bulk mail' }],
    });
    expect(c.rules[0]?.category).toBe('Newsletters');
  });

  it('puts the file and every problem in the error message', () => {
    let err: unknown;
    try {
      parseConfig({ accounts: [{ ...account, port: '993', tls: 'ssl' }] }, '/etc/solon.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.file).toBe('/etc/solon.yaml');
    expect(ce.message).toMatch(/^\/etc\/solon\.yaml: invalid config\n/);
    expect(ce.message).toContain('  accounts[0].port: ');
    expect(ce.message).toContain('  accounts[0].tls: ');
  });

  it('refuses a password given in clear, at accounts[0].password', () => {
    for (const password of ['hunter2', { value: 'hunter2' }]) {
      const problems = problemsOf({ accounts: [{ ...account, password }] });
      expect(problems.map((p) => p.path)).toEqual(['accounts[0].password']);
      // The secret itself is never echoed back.
      expect(JSON.stringify(problems)).not.toContain('hunter2');
    }
  });

  // BUG (src/shared/domain/account.ts, PasswordSource: a bare z.union with no custom error):
  // `password: "hunter2"` is refused with only "Invalid input", which does not say why or what
  // to write instead. Expected a message pointing to `{ command: … }` / `{ env: … }`.
  it('says to use a password command or env variable when a password is given in clear', () => {
    const [problem] = problemsOf({ accounts: [{ ...account, password: 'hunter2' }] });
    expect(problem?.message).toMatch(/command/);
    expect(problem?.message).toMatch(/env/);
  });

  // BUG (src/shared/domain/rule.ts: Rule, Condition, Category are z.object without .strict(),
  // while SolonConfig, Account and EngineSettings are strict): a misspelt key inside a rule is
  // dropped without a word. `negat: true` silently turns "not from boss" into "from boss", and
  // `catgory:` silently sets no category. Expected: an "Unrecognized key" problem at the key.
  it.each<[string, Record<string, unknown>, string]>([
    [
      'a misspelt key in a condition',
      rule({ conditions: [{ field: 'from', op: 'contains', value: 'boss', negat: true }] }),
      'rules[0].conditions[0]',
    ],
    ['a misspelt key in a rule', rule({ catgory: 'Receipts' }), 'rules[0]'],
  ])('names %s', (_what, r, path) => {
    const problems = problemsOf({ accounts: [account], rules: [r] });
    expect(problems.map((p) => p.path)).toContain(path);
  });

  it('reports every duplicate and missing category at once', () => {
    const problems = problemsOf({
      accounts: [account, account, { ...account, id: 'home' }, { ...account, id: 'home' }],
      rules: [rule({ category: 'A' }), rule({ id: 'r2', category: 'B' })],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'accounts[1].id',
      'accounts[3].id',
      'rules[0].category',
      'rules[1].category',
    ]);
  });
});

describe('accountPort', () => {
  it.each([
    [{ tls: 'implicit' as const }, 993],
    [{ tls: 'starttls' as const }, 143],
    [{ tls: 'implicit' as const, port: 1993 }, 1993],
    [{ tls: 'starttls' as const, port: 10143 }, 10143],
  ])('%j → %i', (a, port) => {
    expect(accountPort(a)).toBe(port);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'solon-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const yaml = `# a comment
accounts:
  - id: work
    host: imap.example.org
    port: 993
    user: me@example.org
    password: { command: "pass show mail/work" }
    caFile: certs/ca.pem
    mailboxes: [INBOX, Lists]
rules:
  - id: debian
    name: Debian lists
    conditions:
      - { field: list-id, op: matches, value: '\\.debian\\.org>?$' }
    actions:
      - { type: move, folder: Lists/Debian }
dataDir: state
`;

  it('reads YAML, and resolves relative caFile and dataDir against the file’s folder', async () => {
    const sub = join(dir, 'conf');
    await mkdir(sub);
    const file = join(sub, 'solon.yaml');
    await writeFile(file, yaml);
    const c = await loadConfig(file, { checkFiles: false }); // path resolution only
    expect(c.accounts[0]?.caFile).toBe(join(sub, 'certs', 'ca.pem'));
    expect(c.dataDir).toBe(join(sub, 'state'));
    expect(c.accounts[0]?.mailboxes).toEqual(['INBOX', 'Lists']);
    expect(c.accounts[0]?.password).toEqual({ command: 'pass show mail/work' });
    expect(c.rules[0]?.conditions[0]?.value).toBe('\\.debian\\.org>?$');
  });

  it('resolves against the file’s folder even when given a relative path to the file', async () => {
    const file = join(dir, 'solon.yaml');
    await writeFile(file, yaml);
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const c = await loadConfig(join(dir.slice(tmpdir().length + 1), 'solon.yaml'), {
        checkFiles: false,
      });
      expect(c.accounts[0]?.caFile).toBe(join(dir, 'certs', 'ca.pem'));
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    ['/etc/ssl/ca.pem', '/etc/ssl/ca.pem'],
    ['~/certs/ca.pem', join(homedir(), 'certs', 'ca.pem')],
    ['../ca.pem', 'PARENT/ca.pem'],
  ])('caFile %s → %s', async (caFile, expected) => {
    const file = join(dir, 'solon.json');
    await writeFile(file, JSON.stringify({ accounts: [{ ...account, caFile }] }));
    const c = await loadConfig(file, { checkFiles: false });
    expect(c.accounts[0]?.caFile).toBe(expected.replace('PARENT', join(dir, '..')));
  });

  it('reads JSON and leaves caFile and dataDir unset when absent', async () => {
    const file = join(dir, 'solon.json');
    await writeFile(file, JSON.stringify({ accounts: [account] }));
    const c = await loadConfig(file);
    expect(c.accounts[0]?.caFile).toBeUndefined();
    expect(c.dataDir).toBeUndefined();
    expect(SolonConfig.safeParse(c).success).toBe(true);
  });

  it.each([
    ['solon.yaml', 'accounts:\n  - id: work\n   host: x\n', /./],
    ['solon.yaml', 'accounts: [\n', /./],
    ['solon.yaml', 'accounts: []\naccounts: []\n', /./], // duplicate key
    ['solon.json', '{ "accounts": [ }', /JSON/],
  ])('a syntax error in %s is reported at (syntax)', async (name, text, message) => {
    const file = join(dir, name);
    await writeFile(file, text);
    const err = await loadConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.file).toBe(file);
    expect(ce.problems).toHaveLength(1);
    expect(ce.problems[0]?.path).toBe('(syntax)');
    expect(ce.problems[0]?.message).toMatch(message);
  });

  it('a missing file is reported at (file), naming the file', async () => {
    const file = join(dir, 'nope.yaml');
    const err = await loadConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]?.path).toBe('(file)');
    expect((err as ConfigError).message).toContain(file);
  });

  it('a schema problem in a YAML file names the file and the field', async () => {
    const file = join(dir, 'solon.yaml');
    await writeFile(file, yaml.replace('port: 993', 'port: "993"'));
    const err = await loadConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(file);
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['accounts[0].port']);
  });
});

describe('defaultDataDir', () => {
  it.each([
    [{ XDG_DATA_HOME: '/xdg' }, '/xdg/solon'],
    [{ XDG_DATA_HOME: '' }, join(homedir(), '.local', 'share', 'solon')],
    [{}, join(homedir(), '.local', 'share', 'solon')],
  ])('%j → %s', (env, expected) => {
    expect(defaultDataDir(env)).toBe(expected);
  });
});
