import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, parseConfig } from '../../../src/main/core/config/load-config.js';
import { parseSettings, toSolonConfig } from '../../../src/main/core/settings/validate.js';
import { LlmSettings } from '../../../src/shared/domain/config.js';
import { AppSettings } from '../../../src/shared/domain/settings.js';
import { projectRoot } from '../../helpers/solon-config.js';

const account = { id: 'work', host: 'imap.example.org', user: 'me', password: { env: 'PW' } };

describe('LlmSettings', () => {
  it('defaults: off, llama.cpp on this machine, server model, 60 s, one at a time, 2,000 chars', () => {
    expect(LlmSettings.parse({})).toEqual({
      enabled: false,
      baseUrl: 'http://127.0.0.1:8080/v1',
      model: '',
      timeoutMs: 60_000,
      maxConcurrent: 1,
      excerptChars: 2_000,
    });
  });

  it('a settings file written before these fields (only `enabled`) still parses, to the defaults', () => {
    const s = AppSettings.parse({ version: 1, llm: { enabled: true } });
    expect(s.llm).toEqual({ ...LlmSettings.parse({}), enabled: true });
  });

  it.each([
    ['an API key in clear', { apiKey: 'sk-123' }],
    ['an unknown field', { temperature: 0.7 }],
    ['a URL that is not http(s)', { baseUrl: 'ftp://127.0.0.1/v1' }],
    ['a URL with a query', { baseUrl: 'http://127.0.0.1:8080/v1?key=sk-123' }],
    ['no concurrency', { maxConcurrent: 0 }],
    ['a tiny timeout', { timeoutMs: 10 }],
    ['an unbounded excerpt', { excerptChars: 1_000_000 }],
  ])('refuses %s', (_what, bad) => {
    expect(LlmSettings.safeParse(bad).success).toBe(false);
  });

  it('the API key is a source: command, env, or the keychain', () => {
    for (const apiKey of [
      { command: 'pass show llm' },
      { env: 'SOLON_LLM_KEY' },
      { keychain: true },
    ])
      expect(LlmSettings.parse({ apiKey }).apiKey).toEqual(apiKey);
  });
});

describe('llm in configs', () => {
  it('headless: examples/llm-categories.yaml makes a valid config with an account added', () => {
    const example = parse(
      readFileSync(join(projectRoot, 'examples', 'llm-categories.yaml'), 'utf8'),
    ) as object;
    const config = parseConfig({ accounts: [account], ...example });
    expect(config.llm).toMatchObject({ enabled: true, baseUrl: 'http://127.0.0.1:8080/v1' });
    expect(config.categories.map((c) => c.name)).toEqual([
      'LINUX_ALERTS',
      'PROMOTIONS',
      'RECEIPTS',
    ]);
  });

  it('absent: rules only', () => {
    expect(parseConfig({ accounts: [account] }).llm).toBeUndefined();
  });

  it('the desktop settings carry llm into the engine config', () => {
    const settings = AppSettings.parse({
      version: 1,
      accounts: [account],
      llm: { enabled: true, model: 'm', apiKey: { keychain: true } },
    });
    expect(toSolonConfig(settings, '/d').llm).toEqual(settings.llm);
  });

  it('a category named "none" (any case) or twice (ignoring case) is refused, by name', () => {
    const bad = {
      accounts: [account],
      categories: [{ name: 'None' }, { name: 'Promo' }, { name: 'PROMO' }],
    };
    let err: unknown;
    try {
      parseConfig(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      {
        path: 'categories[0].name',
        message: '"none" is the classifier\'s answer for "no category fits"; choose another name',
      },
      {
        path: 'categories[2].name',
        message: 'duplicate category "PROMO" (also categories[1], ignoring case)',
      },
    ]);
    const out = parseSettings({ version: 1, ...bad });
    expect(out.ok).toBe(false);
    if (!out.ok)
      expect(out.problems.map((p) => p.path)).toEqual(['categories[0].name', 'categories[2].name']);
  });
});
