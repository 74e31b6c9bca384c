import type { LogFields, Logger } from '../ports.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whatever logs them. */
const secretKeys = /pass(word)?|secret|token|authorization|api[-_]?key|credential/i;

/**
 * A copy of `fields` that is safe to write: secret-looking keys become "[redacted]" at any depth
 * (arrays too), BigInts become strings, Dates ISO strings, Errors their message, cycles "[cycle]".
 */
export function redact(fields: LogFields): LogFields {
  return clean(fields, new WeakSet()) as LogFields;
}

function clean(v: unknown, seen: WeakSet<object>): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (v instanceof Error) return v.message;
  if (seen.has(v)) return '[cycle]';
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => clean(x, seen));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = secretKeys.test(k) ? '[redacted]' : clean(x, seen);
    return out;
  } finally {
    // A shared (not cyclic) object may appear twice; only an object inside itself is a cycle.
    seen.delete(v);
  }
}

/**
 * Logger for the headless CLI: one line per event on a stream (stderr by default), human text
 * or JSON lines, secrets redacted.
 */
export function createStreamLogger(opts: {
  format: LogFormat;
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => number;
  base?: LogFields;
}): Logger {
  const min = order[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (order[level] < min) return;
      const all = redact({ ...base, ...fields });
      if (opts.format === 'json') {
        write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...all }));
        return;
      }
      const ctx = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(' ');
      const time = new Date(now()).toISOString().slice(11, 19);
      write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${ctx ? '  ' + ctx : ''}`);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (f) => make({ ...base, ...f }),
    };
  };
  return make(opts.base ?? {});
}
