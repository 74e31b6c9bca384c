import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileLogger,
  type FileLogger,
  type FileLoggerOptions,
} from '../../../src/main/core/log/file-logger.js';

const SECRET = 'hunter2-s3cr3t';
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

let root: string;
let dir: string;
const loggers: FileLogger[] = [];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'solon-filelog-'));
  dir = join(root, 'logs');
});
afterEach(() => {
  for (const l of loggers.splice(0)) l.close();
  rmSync(root, { recursive: true, force: true });
});

function make(opts: Partial<FileLoggerOptions> = {}): FileLogger {
  const l = createFileLogger({ dir, now: () => NOW, ...opts });
  loggers.push(l);
  return l;
}

/** Every line of every log file, parsed; throws if one does not parse. */
function lines(file = join(dir, 'solon.log')): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function allText(): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe('createFileLogger', () => {
  it('writes one JSON line per event, with level filtering and child fields', () => {
    const log = make({ level: 'info', base: { app: 'solon' } });
    log.debug('hidden');
    log.info('hello', { n: 1 });
    log.child({ account: 'work' }).warn('careful', { mailbox: 'INBOX' });
    expect(lines()).toEqual([
      { time: new Date(NOW).toISOString(), level: 'info', msg: 'hello', app: 'solon', n: 1 },
      {
        time: new Date(NOW).toISOString(),
        level: 'warn',
        msg: 'careful',
        app: 'solon',
        account: 'work',
        mailbox: 'INBOX',
      },
    ]);
    expect(log.stats()).toEqual({ written: 2, dropped: 0, rotations: 0 });
  });

  it('the file and its folder are private (mail addresses, subjects)', () => {
    make().info('x');
    expect(statSync(join(dir, 'solon.log')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  describe('redaction', () => {
    it.each([
      ['password', { password: SECRET }],
      ['pass', { user: 'me', pass: SECRET }],
      ['token', { token: SECRET }],
      ['accessToken', { auth: { accessToken: SECRET } }],
      ['apiKey', { llm: { apiKey: SECRET } }],
      ['api_key', { api_key: SECRET }],
      ['authorization', { headers: { Authorization: `Bearer ${SECRET}` } }],
      [
        'inside arrays',
        {
          accounts: [
            { id: 'work', password: SECRET },
            { id: 'h', token: SECRET },
          ],
        },
      ],
      ['arrays of arrays', { x: [[{ secret: SECRET }]] }],
    ])('%s never reaches the file', (_what, fields) => {
      const log = make();
      log.info('event', fields);
      log.child(fields).error('via child');
      const text = allText();
      expect(text).not.toContain(SECRET);
      expect(text).toContain('[redacted]');
      expect(lines()).toHaveLength(2);
    });
  });

  it('keeps an Error field as name, message, code and stack', () => {
    const log = make();
    const err = Object.assign(new Error('boom'), { code: 'EBOOM' });
    log.error('uncaught exception', { error: err });
    const [line] = lines();
    expect(line?.error).toMatchObject({ name: 'Error', message: 'boom', code: 'EBOOM' });
    expect((line?.error as { stack: string }).stack).toContain('file-logger.test.ts');
  });

  describe('rotation', () => {
    it('rotates before a line would pass maxBytes, keeping `files` files', () => {
      const log = make({ maxBytes: 400, files: 3 });
      for (let i = 0; i < 40; i++) log.info('line', { i, pad: 'x'.repeat(40) });
      expect(readdirSync(dir).sort()).toEqual(['solon.log', 'solon.log.1', 'solon.log.2']);
      for (const f of readdirSync(dir))
        expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(400);
      // newest in solon.log, then .1, then .2, no gap and no line split across files
      const seq = ['solon.log.2', 'solon.log.1', 'solon.log'].flatMap((f) =>
        lines(join(dir, f)).map((l) => l.i as number),
      );
      expect(seq).toEqual(Array.from({ length: seq.length }, (_, k) => 40 - seq.length + k));
      expect(seq.at(-1)).toBe(39);
      expect(log.stats().rotations).toBeGreaterThan(2);
      expect(log.stats().dropped).toBe(0);
    });

    it('files: 1 keeps only the current file', () => {
      const log = make({ maxBytes: 200, files: 1 });
      for (let i = 0; i < 20; i++) log.info('line', { i });
      expect(readdirSync(dir)).toEqual(['solon.log']);
      expect(lines().at(-1)?.i).toBe(19);
    });

    it('picks up the size of an existing file (a restart does not reset the count)', () => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'solon.log'),
        `${JSON.stringify({ msg: 'old', pad: 'x'.repeat(300) })}\n`,
      );
      make({ maxBytes: 400 }).info('new', { pad: 'y'.repeat(200) });
      expect(lines(join(dir, 'solon.log.1'))[0]?.msg).toBe('old');
      expect(lines()[0]?.msg).toBe('new');
    });

    it('a line longer than maxBytes still gets a file of its own', () => {
      const log = make({ maxBytes: 100 });
      log.info('a');
      log.info('big', { pad: 'z'.repeat(500) });
      log.info('b');
      expect(lines(join(dir, 'solon.log.1'))[0]?.msg).toBe('big');
    });
  });

  it('a line over maxLineBytes keeps its time, level and message', () => {
    const log = make({ maxLineBytes: 1000 });
    log.warn('huge body logged by mistake', { body: 'b'.repeat(10_000) });
    const [line] = lines();
    expect(line).toEqual({
      time: new Date(NOW).toISOString(),
      level: 'warn',
      msg: 'huge body logged by mistake',
      truncated: true,
      lineBytes: expect.any(Number) as number,
    });
    expect(line!.lineBytes).toBeGreaterThan(10_000);
  });

  describe('torn writes and failures', () => {
    it('a torn last line (a crash mid-write) is closed off before the next line', () => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'solon.log'), '{"time":"2026-01-01","level":"info","msg":"cut he');
      make().info('after restart');
      const raw = readFileSync(join(dir, 'solon.log'), 'utf8').split('\n');
      expect(raw[0]).toBe('{"time":"2026-01-01","level":"info","msg":"cut he');
      expect(JSON.parse(raw[1]!)).toMatchObject({ msg: 'after restart' });
    });

    it('a write that fails half way: dropped, counted, reported, and the next line still parses', () => {
      let fail = false;
      const log = make({
        io: {
          writeSync: (fd, buf, off, len) => {
            if (!fail) return writeSync(fd, buf, off, len);
            fail = false;
            writeSync(fd, buf, off, Math.floor(len / 2)); // half the line reaches the disk
            throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          },
        },
      });
      log.info('first');
      fail = true;
      expect(() => log.info('torn', { pad: 'x'.repeat(100) })).not.toThrow();
      log.info('third');
      expect(log.stats()).toEqual({ written: 2, dropped: 1, rotations: 0 });
      const raw = readFileSync(join(dir, 'solon.log'), 'utf8').split('\n').filter(Boolean);
      expect(raw).toHaveLength(4);
      expect(() => JSON.parse(raw[1]!) as unknown).toThrow(); // the torn half, on its own line
      expect(JSON.parse(raw[2]!)).toMatchObject({ level: 'warn', dropped: 1 });
      expect(JSON.parse(raw[3]!)).toMatchObject({ msg: 'third' });
    });

    it('a logs folder that cannot be created: nothing thrown, lines counted as dropped', () => {
      writeFileSync(join(root, 'logs'), 'a file where the folder should be');
      const log = make();
      expect(() => {
        log.info('a');
        log.error('b', { error: new Error('x') });
        log.child({ c: 1 }).warn('c');
      }).not.toThrow();
      expect(log.stats()).toEqual({ written: 0, dropped: 3, rotations: 0 });
      // the folder comes back: logging resumes and says what was lost
      rmSync(join(root, 'logs'));
      log.info('d');
      expect(lines().map((l) => l.msg)).toEqual(['log lines dropped (could not write them)', 'd']);
      expect(lines()[0]?.dropped).toBe(3);
    });

    it('the folder removed while running: reopened on the next line', () => {
      const log = make();
      log.info('a');
      log.close();
      rmSync(dir, { recursive: true });
      log.info('b');
      expect(lines().map((l) => l.msg)).toEqual(['b']);
    });

    it('a field that throws when read does not throw into the caller', () => {
      const log = make();
      const evil = {
        get boom(): never {
          throw new Error('getter');
        },
      };
      expect(() => log.info('x', { evil })).not.toThrow();
      expect(() => log.child({ evil }).info('y')).not.toThrow();
      expect(log.stats().dropped).toBeGreaterThanOrEqual(1);
      log.info('fine');
      expect(lines().at(-1)).toMatchObject({ msg: 'fine' });
    });

    it('BigInt, Date and cycles are written, not thrown', () => {
      const log = make();
      const cyc: Record<string, unknown> = { a: 1 };
      cyc.self = cyc;
      log.info('x', { uidValidity: 5n, at: new Date(0), cyc });
      expect(lines()[0]).toMatchObject({
        uidValidity: '5',
        at: '1970-01-01T00:00:00.000Z',
        cyc: { a: 1, self: '[cycle]' },
      });
    });
  });

  it('close() then more lines: reopened, appended', () => {
    const log = make();
    log.info('a');
    log.close();
    log.info('b');
    expect(lines().map((l) => l.msg)).toEqual(['a', 'b']);
    expect(existsSync(log.file)).toBe(true);
  });
});
