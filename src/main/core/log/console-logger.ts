import type { LogFields, Logger } from '../ports.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are never written, whatever logs them. */
const secretKeys = /pass(word)?|secret|token|authorization|api[-_]?key|credential/i;

/** Replace secret-looking fields with "[redacted]", at any depth. */
export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (secretKeys.test(k)) out[k] = '[redacted]';
    else if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Error))
      out[k] = redact(v as LogFields);
    else out[k] = v;
  }
  return out;
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
