import { describe, expect, it } from 'vitest';
import { ErrorCode, solonError } from '../../../src/shared/contract.js';
import { LlmSettings } from '../../../src/shared/domain/settings.js';
import {
  apiKeySource,
  boundsOf,
  changedFields,
  draftFrom,
  fieldErrorOf,
  isDirty,
  issueAt,
  llmFields,
  readDraft,
} from '../../../src/renderer/settings/llm-form.js';
import { fileName, importQuestion } from '../../../src/renderer/settings/import-question.js';
import { secretsNote } from '../../../src/renderer/settings/secrets-backend.js';

const saved = LlmSettings.parse({});

describe('the language model form', () => {
  it('edits the fields the schema has', () => {
    for (const f of llmFields) expect(Object.hasOwn(LlmSettings.shape, f.key)).toBe(true);
    expect(llmFields.map((f) => f.key)).toEqual(
      expect.arrayContaining(['baseUrl', 'model', 'timeoutMs', 'maxConcurrent']),
    );
  });

  it('shows the timeout in seconds and reads it back in ms', () => {
    const d = draftFrom(saved);
    expect(d.timeoutMs).toBe(String(saved.timeoutMs / 1000));
    expect(readDraft({ ...d, timeoutMs: '30' }).values.timeoutMs).toBe(30_000);
    const timeout = llmFields.find((f) => f.key === 'timeoutMs')!;
    expect(boundsOf(timeout)).toEqual({ min: 1, max: 600, step: 1 });
  });

  it('patches only what changed', () => {
    const d = { ...draftFrom(saved), model: 'qwen2.5:7b' };
    expect(isDirty(d, saved)).toBe(true);
    expect(isDirty(draftFrom(saved), saved)).toBe(false);
    const { values, errors } = readDraft(d);
    expect(errors).toEqual({});
    expect(changedFields(values, saved)).toEqual({ model: 'qwen2.5:7b' });
  });

  it('checks fields with the schema, each at its own field', () => {
    const { values, errors } = readDraft({
      ...draftFrom(saved),
      baseUrl: 'ftp://nope',
      timeoutMs: '0',
      maxConcurrent: '2.5',
    });
    expect(errors.baseUrl).toMatch(/http:\/\/ or https:\/\//);
    expect(errors.timeoutMs).toBe('Enter a whole number from 1 to 600.');
    expect(errors.maxConcurrent).toMatch(/^Enter a whole number from 1 to \d+\.$/);
    expect(values.baseUrl).toBeUndefined();
    expect(values.model).toBe('');
    expect(readDraft({ ...draftFrom(saved), excerptChars: '' }).errors.excerptChars).toMatch(
      /^Enter/,
    );
  });

  it('puts a rejected save at its field', () => {
    const e = solonError(
      ErrorCode.INVALID_ARGS,
      'settings.update: llm.baseUrl: an http:// or https:// URL; llm.model: too long',
      'llm.baseUrl',
    );
    expect(fieldErrorOf(e)).toEqual({ key: 'baseUrl', message: 'An http:// or https:// URL.' });
    // llm.test's args are the fields themselves.
    expect(
      fieldErrorOf(solonError(ErrorCode.INVALID_ARGS, 'llm.test: model: too long', 'model')),
    ).toEqual({ key: 'model', message: 'Too long.' });
    expect(fieldErrorOf(solonError(ErrorCode.ENGINE, 'boom'))).toBeUndefined();
    expect(fieldErrorOf(new Error('x'))).toBeUndefined();
    expect(issueAt('something else', 'llm.model')).toBe('something else');
  });

  it('says where the API key comes from, never what it is', () => {
    expect(apiKeySource(undefined)).toMatch(/No key/);
    expect(apiKeySource({ keychain: true })).toMatch(/keychain/);
    expect(apiKeySource({ command: 'pass show llm' })).toContain('pass show llm');
    expect(apiKeySource({ env: 'LLM_KEY' })).toContain('LLM_KEY');
  });
});

describe('the import question', () => {
  it('counts both sides and names the file', () => {
    expect(
      importQuestion({ rules: 6, categories: 0 }, { rules: 1, categories: 1 }, '/home/r/team.json'),
    ).toBe('Replace your 6 rules and 0 categories with 1 rule and 1 category from team.json?');
    expect(fileName('C:\\Users\\r\\rules.json')).toBe('rules.json');
  });
});

describe('where passwords are kept', () => {
  it('warns on the plain-text backend and suggests a password command', () => {
    const n = secretsNote({ platform: 'linux', secretsBackend: 'basic_text' });
    expect(n.tone).toBe('warn');
    expect(n.text).toMatch(/plain text/);
    expect(n.text).toMatch(/password command/);
  });

  it('is calm about a real keyring or the OS store', () => {
    expect(secretsNote({ platform: 'linux', secretsBackend: 'gnome_libsecret' }).tone).toBe('ok');
    expect(secretsNote({ platform: 'linux', secretsBackend: 'kwallet6' }).tone).toBe('ok');
    expect(secretsNote({ platform: 'darwin', secretsBackend: 'os' }).text).toMatch(/Keychain/);
  });

  it('does not vouch for a Linux backend it does not know', () => {
    expect(secretsNote({ platform: 'linux', secretsBackend: 'unknown' }).tone).toBe('warn');
  });
});
