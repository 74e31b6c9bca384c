import { describe, expect, it } from 'vitest';
import {
  createStreamLogger,
  redact,
  type LogFormat,
  type LogLevel,
} from '../../../src/main/core/log/console-logger.js';
import type { LogFields, Logger } from '../../../src/main/core/ports.js';

const SECRET = 'hunter2-s3cr3t';
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function capture(
  format: LogFormat,
  level?: LogLevel,
  base?: LogFields,
): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createStreamLogger({
    format,
    ...(level === undefined ? {} : { level }),
    ...(base === undefined ? {} : { base }),
    write: (l) => lines.push(l),
    now: () => NOW,
  });
  return { log, lines };
}

/** Field sets with a secret somewhere; `path` is where "[redacted]" must appear instead. */
const secretCases: { name: string; fields: LogFields; path: (string | number)[] }[] = [
  { name: 'password at the top', fields: { user: 'me', password: SECRET }, path: ['password'] },
  { name: 'pass', fields: { pass: SECRET }, path: ['pass'] },
  { name: 'token', fields: { token: SECRET }, path: ['token'] },
  { name: 'accessToken (any case)', fields: { accessToken: SECRET }, path: ['accessToken'] },
  { name: 'apiKey', fields: { apiKey: SECRET }, path: ['apiKey'] },
  { name: 'api_key', fields: { api_key: SECRET }, path: ['api_key'] },
  { name: 'API-KEY', fields: { 'API-KEY': SECRET }, path: ['API-KEY'] },
  { name: 'secret', fields: { clientSecret: SECRET }, path: ['clientSecret'] },
  { name: 'authorization', fields: { Authorization: `Bearer ${SECRET}` }, path: ['Authorization'] },
  {
    name: 'credentials',
    fields: { credentials: { user: 'me', pw: SECRET } },
    path: ['credentials'],
  },
  {
    name: 'password one level down',
    fields: { auth: { user: 'me', password: SECRET } },
    path: ['auth', 'password'],
  },
  {
    name: 'token three levels down',
    fields: { a: { b: { c: { token: SECRET, keep: 1 } } } },
    path: ['a', 'b', 'c', 'token'],
  },
  {
    name: 'apiKey beside harmless fields',
    fields: { llm: { url: 'http://localhost:11434', apiKey: SECRET, model: 'm' } },
    path: ['llm', 'apiKey'],
  },
  {
    name: 'a secret key whose value is an object',
    fields: { password: { command: `echo ${SECRET}` } },
    path: ['password'],
  },
];

function at(obj: unknown, path: (string | number)[]): unknown {
  let v = obj;
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

describe('redact', () => {
  it.each(secretCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const out = redact(c.fields);
    expect(at(out, c.path)).toBe('[redacted]');
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  it('keeps everything else as it was and does not change its input', () => {
    const input = {
      user: 'me',
      n: 3,
      ok: true,
      list: [1, 2],
      nested: { host: 'h', password: SECRET },
    };
    const out = redact(input);
    expect(out).toEqual({
      user: 'me',
      n: 3,
      ok: true,
      list: [1, 2],
      nested: { host: 'h', password: '[redacted]' },
    });
    expect(input.nested.password).toBe(SECRET);
  });

  // BUG (src/main/core/log/console-logger.ts, redact: `!Array.isArray(v)` sends arrays straight
  // to the output): secrets inside arrays are written in clear, e.g.
  // log.info('accounts', { accounts: [{ id: 'work', password: 'hunter2' }] }).
  it('redacts secrets inside arrays of objects', () => {
    const out = redact({ accounts: [{ id: 'work', password: SECRET }] });
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });
});

describe('createStreamLogger', () => {
  describe.each(['text', 'json'] as const)('%s format', (format) => {
    it.each(secretCases.map((c) => [c.name, c] as const))(
      'never writes the secret: %s',
      (_n, c) => {
        const { log, lines } = capture(format, 'debug');
        log.info('connecting', c.fields);
        log.child(c.fields).warn('via child');
        expect(lines).toHaveLength(2);
        for (const line of lines) {
          expect(line).not.toContain(SECRET);
          expect(line).toContain('[redacted]');
        }
      },
    );

    it.each([
      // level, which of debug/info/warn/error get written
      ['debug', ['debug', 'info', 'warn', 'error']],
      ['info', ['info', 'warn', 'error']],
      ['warn', ['warn', 'error']],
      ['error', ['error']],
      [undefined, ['info', 'warn', 'error']], // default: info
    ] as const)('level %s writes %j', (level, written) => {
      const { log, lines } = capture(format, level);
      log.debug('m-debug');
      log.info('m-info');
      log.warn('m-warn');
      log.error('m-error');
      log.child({ c: 1 }).debug('m-child');
      const expected = level === 'debug' ? [...written, 'child'] : written;
      expect(lines.map((l) => /m-(\w+)/.exec(l)?.[1])).toEqual(expected);
    });

    it('child fields are added to each line; call fields win; the parent is untouched', () => {
      const { log, lines } = capture(format, 'info', { app: 'solon' });
      const acct = log.child({ account: 'work', mailbox: 'INBOX' });
      const box = acct.child({ mailbox: 'Lists', cid: 'c1' });
      box.info('hello', { cid: 'c2', n: 1 });
      log.info('plain');
      expect(lines).toHaveLength(2);
      const [first, second] = lines as [string, string];
      if (format === 'json') {
        expect(JSON.parse(first)).toEqual({
          time: new Date(NOW).toISOString(),
          level: 'info',
          msg: 'hello',
          app: 'solon',
          account: 'work',
          mailbox: 'Lists',
          cid: 'c2',
          n: 1,
        });
        expect(JSON.parse(second)).toEqual({
          time: new Date(NOW).toISOString(),
          level: 'info',
          msg: 'plain',
          app: 'solon',
        });
      } else {
        expect(first).toBe('03:04:05 INFO  hello  app=solon account=work mailbox=Lists cid=c2 n=1');
        expect(second).toBe('03:04:05 INFO  plain  app=solon');
      }
    });
  });

  it.each([
    ['a plain word', { a: 'word' }, 'a=word'],
    ['text with spaces is quoted', { reason: 'connection reset' }, 'reason="connection reset"'],
    ['numbers and booleans as JSON', { n: 42, ok: false }, 'n=42 ok=false'],
    ['an object as JSON', { o: { k: 'v' } }, 'o={"k":"v"}'],
    ['undefined fields are left out', { a: 1, b: undefined }, 'a=1'],
  ])('text format: %s', (_what, fields, ctx) => {
    const { log, lines } = capture('text');
    log.warn('msg', fields);
    expect(lines).toEqual([`03:04:05 WARN  msg  ${ctx}`]);
  });

  it('text format: a line without fields has no trailing separator', () => {
    const { log, lines } = capture('text');
    log.error('boom');
    expect(lines).toEqual(['03:04:05 ERROR boom']);
  });

  // BUG (src/main/core/log/console-logger.ts, emit: JSON.stringify on field values; redact:
  // recurses into every non-array object): a log call can throw or lose the value.
  //   BigInt (imapflow's append() returns uidValidity as one) → TypeError "Do not know how to
  //     serialize a BigInt" thrown out of log.info(), in both formats;
  //   a cyclic object → RangeError "Maximum call stack size exceeded" from redact();
  //   a Date → written as {} (redact copies its own enumerable keys: none).
  it.each([
    ['text', 'a BigInt', { uidValidity: 5n }, /5/],
    ['json', 'a BigInt', { uidValidity: 5n }, /5/],
    ['text', 'a Date', { at: new Date(0) }, /1970-01-01T00:00:00/],
    ['json', 'a Date', { at: new Date(0) }, /1970-01-01T00:00:00/],
  ] as const)(
    '%s format: %s field is written, not thrown or lost',
    (format, _what, fields, shown) => {
      const { log, lines } = capture(format);
      log.info('m', fields);
      expect(lines[0]).toMatch(shown);
    },
  );

  it('a cyclic field does not make the log call throw', () => {
    const { log, lines } = capture('json');
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    log.info('m', { o });
    expect(lines).toHaveLength(1);
  });

  it('json format: one parseable object per line', () => {
    const { log, lines } = capture('json', 'debug');
    log.debug('a "quoted"\nmessage', { x: [1, 2] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'debug',
      msg: 'a "quoted"\nmessage',
      x: [1, 2],
    });
  });
});
