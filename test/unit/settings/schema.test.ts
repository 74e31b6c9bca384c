import Conf from 'conf';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/main/core/config/load-config.js';
import { defaults } from '../../../src/main/core/settings/defaults.js';
import { storeSchemaOptions, toJsonSchema } from '../../../src/main/core/settings/json-schema.js';
import { parseSettings, toSolonConfig } from '../../../src/main/core/settings/validate.js';
import { EngineSettings } from '../../../src/shared/domain/config.js';
import {
  AppSettings,
  EngineOverrides,
  SETTINGS_VERSION,
  type AppSettingsInput,
} from '../../../src/shared/domain/settings.js';
import { demoRules } from '../../helpers/solon-config.js';

/** Settings that use every part of the schema, with the demo's real rules. */
function full(): AppSettingsInput {
  return {
    version: SETTINGS_VERSION,
    accounts: [
      {
        id: 'Work', // upper case: the id regex is case-insensitive
        host: 'imap.work.test',
        port: 993,
        user: 'me@work.test',
        password: { keychain: true },
        mailboxes: ['INBOX', 'Lists'],
      },
      { id: 'home_2', host: 'h', tls: 'starttls', user: 'me', password: { command: 'pass x' } },
      { id: 'env-1', host: 'h', user: 'me', password: { env: 'SOLON_PW' }, caFile: '/ca.pem' },
    ],
    rules: [
      ...demoRules(),
      {
        id: 'sized',
        name: 'big',
        conditions: [{ field: 'size', op: 'greater-than', value: 1_000_000 }],
        actions: [{ type: 'notify' }],
        category: 'big',
      },
    ],
    categories: [{ name: 'big', description: 'large mail', actions: [{ type: 'flag' }] }],
    notifications: { enabled: true, connectionLost: false, ruleNotify: true },
    startAtLogin: true,
    engine: { idleRefreshMs: 120_000, batchSize: 50 },
    llm: {
      enabled: true,
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'qwen2.5:3b',
      apiKey: { keychain: true },
      timeoutMs: 30_000,
    },
  };
}

const dirs: string[] = [];
function conf(): Conf<Record<string, unknown>> {
  const cwd = mkdtempSync(join(tmpdir(), 'solon-schema-'));
  dirs.push(cwd);
  return new Conf<Record<string, unknown>>({
    cwd,
    configName: 'settings',
    ...storeSchemaOptions(),
    defaults: defaults(),
  });
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('toJsonSchema', () => {
  it('is draft 2020-12 (what conf 15 compiles, with Ajv2020)', () => {
    expect(toJsonSchema().$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('drops the pattern of a case-insensitive regex, keeps the others', () => {
    const text = JSON.stringify(toJsonSchema());
    expect(text).not.toContain('^[a-z0-9][a-z0-9_-]*$'); // account id, /i
    expect(text).toContain('^[A-Za-z_][A-Za-z0-9_]*$'); // env variable name
    expect(text).toContain('^[A-Za-z][A-Za-z0-9_-]*$'); // category name
  });

  it('leaves engine overrides without defaults (absent = the engine decides)', () => {
    const engine = (toJsonSchema().properties as Record<string, { properties: object }>).engine;
    expect(JSON.stringify(engine)).not.toContain('"default":300000');
  });
});

describe('the store schema in conf (Ajv2020, strict)', () => {
  it('compiles without a strict-mode warning and accepts the defaults', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const c = conf();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(c.store).toEqual(defaults());
  });

  it('accepts everything zod accepts (full settings with the demo rules)', () => {
    const c = conf();
    const settings = AppSettings.parse(full());
    c.store = settings;
    expect(c.store).toEqual(settings);
    // and the input form, defaults left out: Ajv fills the same defaults zod would
    c.store = full();
    expect(AppSettings.parse(c.store)).toEqual(settings);
  });

  it.each([
    ['a password in clear', { password: 'hunter2' }],
    ['an unknown account field', { pass: 'hunter2' }],
    ['a port out of range', { port: 70_000 }],
    ['no host', { host: undefined }],
    ['an empty mailbox list', { mailboxes: [] }],
  ])('rejects what zod rejects: %s', (_what, change) => {
    const c = conf();
    const bad = full();
    const account = { ...bad.accounts![1]!, ...change } as Record<string, unknown>;
    for (const k of Object.keys(account)) if (account[k] === undefined) delete account[k];
    bad.accounts = [account as never];
    expect(AppSettings.safeParse(bad).success).toBe(false);
    expect(() => (c.store = bad as Record<string, unknown>)).toThrow(/Config schema violation/);
  });

  it('rejects an unknown engine key and a version that is not current', () => {
    const c = conf();
    expect(() => (c.store = { ...defaults(), engine: { idleRefresh: 1 } })).toThrow(/schema/);
    expect(() => (c.store = { ...defaults(), version: 0 })).toThrow(/schema/);
  });
});

describe('EngineOverrides', () => {
  it('is every engine key, optional, with the engine limits and no defaults', () => {
    expect(Object.keys(EngineOverrides.shape).sort()).toEqual(
      Object.keys(EngineSettings.shape).sort(),
    );
    expect(EngineOverrides.parse({})).toEqual({});
    expect(EngineOverrides.safeParse({ idleRefreshMs: 5 }).success).toBe(false);
    expect(EngineOverrides.safeParse({ nope: 5 }).success).toBe(false);
  });
});

describe('parseSettings', () => {
  it('accepts the full settings', () => {
    expect(parseSettings(full())).toMatchObject({ ok: true });
  });

  it('names every problem zod cannot see, by field', () => {
    const s = full();
    s.accounts = [...s.accounts!, { ...s.accounts![0]!, host: 'other' }];
    s.rules = [
      {
        id: 'r1',
        name: 'bad regex',
        conditions: [{ field: 'subject', op: 'matches', value: '(' }],
      },
      {
        id: 'r2',
        name: 'no cat',
        conditions: [{ field: 'from', op: 'contains', value: 'x' }],
        category: 'nope',
      },
    ];
    const out = parseSettings(s);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.problems.map((p) => p.path)).toEqual([
      'accounts[3].id',
      'rules[0].conditions[0].value',
      'rules[1].category',
    ]);
  });

  it('reports schema problems with zod paths', () => {
    const out = parseSettings({ version: 1, accounts: [{ id: 'a' }] });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.problems.map((p) => p.path)).toContain('accounts[0].host');
  });
});

describe('toSolonConfig', () => {
  it('is what parseConfig makes of the same content (the headless path)', () => {
    const settings = AppSettings.parse(full());
    const config = toSolonConfig(settings, '/data/solon');
    expect(config).toEqual(
      parseConfig({
        dataDir: '/data/solon',
        accounts: full().accounts,
        rules: full().rules,
        categories: full().categories,
        engine: { idleRefreshMs: 120_000, batchSize: 50 },
        llm: full().llm,
      }),
    );
    expect(config.dataDir).toBe('/data/solon');
  });

  it('fills the engine defaults under the overrides', () => {
    const config = toSolonConfig(AppSettings.parse(full()), '/d');
    expect(config.engine).toEqual({
      ...EngineSettings.parse({}),
      idleRefreshMs: 120_000,
      batchSize: 50,
    });
  });

  it('throws ConfigError naming the problem when there is no account yet', () => {
    expect(() => toSolonConfig(defaults(), '/d')).toThrow(ConfigError);
    expect(() => toSolonConfig(defaults(), '/d')).toThrow(/add at least one account/);
  });
});
