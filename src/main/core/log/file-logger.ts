import * as fs from 'node:fs';
import { join } from 'node:path';
import type { LogFields, Logger } from '../ports.js';
import { createStreamLogger, type LogLevel } from './console-logger.js';

/** The file operations the logger uses; tests swap one for a failing one. */
export interface FileLoggerIo {
  mkdirSync: (path: string, opts: { recursive: true; mode: number }) => unknown;
  openSync: (path: string, flags: string, mode: number) => number;
  fstatSync: (fd: number) => { size: number };
  readSync: (fd: number, buf: Buffer, offset: number, length: number, position: number) => number;
  writeSync: (fd: number, buf: Buffer, offset: number, length: number) => number;
  closeSync: (fd: number) => void;
  renameSync: (from: string, to: string) => void;
  rmSync: (path: string, opts: { force: true }) => void;
}

const nodeIo: FileLoggerIo = {
  mkdirSync: (p, o) => fs.mkdirSync(p, o),
  openSync: (p, f, m) => fs.openSync(p, f, m),
  fstatSync: (fd) => fs.fstatSync(fd),
  readSync: (fd, b, o, l, p) => fs.readSync(fd, b, o, l, p),
  writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  rmSync: (p, o) => fs.rmSync(p, o),
};

export interface FileLoggerOptions {
  /** The logs folder (the shell: app.getPath('logs')); created if missing. */
  dir: string;
  /** Default `solon.log`. */
  fileName?: string;
  /** Rotate before a line would take the file past this. Default 2 MB. */
  maxBytes?: number;
  /**
   * Files kept, the current one included: solon.log, solon.log.1 (the previous) … up to
   * solon.log.(files-1). Default 5: with 2 MB each, 10 MB at most.
   */
  files?: number;
  /** Default `info`. */
  level?: LogLevel;
  /** Fields on every line (app version, pid). */
  base?: LogFields;
  now?: () => number;
  /**
   * A longer line keeps its time, level and message and loses its fields (a whole message
   * body logged by mistake must not rotate the history away). Default 64 KiB.
   */
  maxLineBytes?: number;
  /** Replace some file operations (tests). */
  io?: Partial<FileLoggerIo>;
}

export interface FileLoggerStats {
  /** Lines written. */
  written: number;
  /** Lines lost to a failed write (disk full, folder removed, …) since the start. */
  dropped: number;
  rotations: number;
}

export interface FileLogger extends Logger {
  /** The current log file. */
  readonly file: string;
  stats(): FileLoggerStats;
  /** Close the file (the next line reopens it). */
  close(): void;
}

/**
 * A Logger that appends JSON lines (the headless `--log-format json` lines: time, level, msg,
 * fields) to a file, rotating it, with credentials redacted by the same `redact` as the console.
 *
 * Synchronous appends, one write per line: a tray app logs a few lines a minute, and a line
 * written before `log.error(…)` returns is a line that survives the crash that follows (the
 * uncaughtException handler logs, then the process may die).
 *
 * Never throws into the caller: a line that cannot be written is dropped and counted, the
 * file is reopened on the next line, and the first line that gets through says how many were
 * lost. A line torn by a crash or a failed write is closed off with a newline before the next
 * one, so every other line still parses.
 */
export function createFileLogger(opts: FileLoggerOptions): FileLogger {
  const io: FileLoggerIo = { ...nodeIo, ...opts.io };
  const file = join(opts.dir, opts.fileName ?? 'solon.log');
  const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024;
  const files = Math.max(1, opts.files ?? 5);
  const maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
  const stats: FileLoggerStats = { written: 0, dropped: 0, rotations: 0 };
  let droppedUnreported = 0;
  let fd: number | undefined;
  let size = 0;

  const closeQuietly = (): void => {
    if (fd === undefined) return;
    try {
      io.closeSync(fd);
    } catch {
      // Nothing left to do with a descriptor that will not close.
    }
    fd = undefined;
  };

  const writeAll = (buf: Buffer): void => {
    let off = 0;
    while (off < buf.length) off += io.writeSync(fd!, buf, off, buf.length - off);
    size += buf.length;
  };

  const open = (): void => {
    if (fd !== undefined) return;
    io.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    // 'a+': appends, and lets us read the last byte. 0600: log lines name mailboxes and senders.
    fd = io.openSync(file, 'a+', 0o600);
    size = io.fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      io.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) writeAll(Buffer.from('\n'));
    }
  };

  const rotate = (): void => {
    closeQuietly();
    const name = (i: number): string => (i === 0 ? file : `${file}.${i}`);
    io.rmSync(name(files - 1), { force: true });
    for (let i = files - 2; i >= 0; i--) {
      try {
        io.renameSync(name(i), name(i + 1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    stats.rotations++;
  };

  const append = (line: string): void => {
    let text = line;
    if (Buffer.byteLength(text) > maxLineBytes) text = shorten(text, maxLineBytes);
    const data = Buffer.from(text + '\n');
    try {
      open();
      if (size > 0 && size + data.length > maxBytes) {
        rotate();
        open();
      }
      if (droppedUnreported > 0) {
        const note = JSON.stringify({
          time: new Date((opts.now ?? Date.now)()).toISOString(),
          level: 'warn',
          msg: 'log lines dropped (could not write them)',
          dropped: droppedUnreported,
        });
        writeAll(Buffer.from(note + '\n'));
        droppedUnreported = 0;
      }
      writeAll(data);
      stats.written++;
    } catch {
      stats.dropped++;
      droppedUnreported++;
      // Reopen next time: the folder may be back, the disk may have room, and a torn line
      // gets its newline then.
      closeQuietly();
    }
  };

  const inner = createStreamLogger({
    format: 'json',
    level: opts.level ?? 'info',
    write: append,
    ...(opts.now && { now: opts.now }),
    ...(opts.base && { base: withErrors(opts.base) }),
  });

  const guard = (l: Logger): Logger => {
    const call = (fn: () => void): void => {
      try {
        fn();
      } catch {
        // A field whose getter or toJSON throws: the line is lost, the caller is not.
        stats.dropped++;
        droppedUnreported++;
      }
    };
    return {
      debug: (m, f) => call(() => l.debug(m, f && withErrors(f))),
      info: (m, f) => call(() => l.info(m, f && withErrors(f))),
      warn: (m, f) => call(() => l.warn(m, f && withErrors(f))),
      error: (m, f) => call(() => l.error(m, f && withErrors(f))),
      child: (f) => {
        try {
          return guard(l.child(withErrors(f)));
        } catch {
          return guard(l);
        }
      },
    };
  };

  return {
    ...guard(inner),
    file,
    stats: () => ({ ...stats }),
    close: closeQuietly,
  };
}

/**
 * Errors keep their name, code and stack in the file (`redact` alone reduces an Error to its
 * message, right for a terminal line, too little for a crash report).
 */
function withErrors(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (!(v instanceof Error)) continue;
    out ??= { ...fields };
    const code = (v as NodeJS.ErrnoException).code;
    out[k] = {
      name: v.name,
      message: v.message,
      ...(code !== undefined && { code }),
      ...(v.stack !== undefined && { stack: v.stack }),
    };
  }
  return out ?? fields;
}

/** A line over the limit: its time, level and message (cut), and how long it was. */
function shorten(line: string, maxLineBytes: number): string {
  const bytes = Buffer.byteLength(line);
  let head: { time?: unknown; level?: unknown; msg?: unknown } = {};
  try {
    head = JSON.parse(line) as typeof head;
  } catch {
    // Not ours to read; keep only the size.
  }
  const msg = typeof head.msg === 'string' ? head.msg : '';
  const room = Math.max(0, Math.min(msg.length, Math.floor(maxLineBytes / 8)));
  return JSON.stringify({
    time: head.time,
    level: head.level,
    msg: msg.length > room ? msg.slice(0, room) + '…' : msg,
    truncated: true,
    lineBytes: bytes,
  });
}
