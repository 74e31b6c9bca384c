#!/usr/bin/env node
/**
 * Headless Solon: the same engine as the tray app, driven by a config file.
 *   solon run   --config FILE [--once] [--dry-run] [--log-format text|json] [--verbose]
 *   solon check --config FILE
 *   solon activity --config FILE [--limit N]
 *   solon undo  --config FILE ENTRY_ID
 */
import { parseArgs } from 'node:util';
import type { ActivityEntry } from '../shared/domain/activity.js';
import { checkAccounts, checkLlm } from './core/check.js';
import { ConfigError, defaultDataDir, loadConfig } from './core/config/load-config.js';
import { createEngine } from './core/engine.js';
import { createStreamLogger, type LogFormat } from './core/log/console-logger.js';
import { AlreadyRunning } from './core/util/instance-lock.js';

const usage = `usage:
  solon run --config FILE [--once] [--dry-run] [--log-format text|json] [--verbose]
  solon check --config FILE
  solon activity --config FILE [--limit N]
  solon undo --config FILE ENTRY_ID`;

export const exitCodes = { ok: 0, error: 1, config: 2, auth: 3 } as const;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let args;
  try {
    args = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        once: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'log-format': { type: 'string', default: 'text' },
        verbose: { type: 'boolean', short: 'v', default: false },
        limit: { type: 'string', default: '50' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return exitCodes.config;
  }
  const v = args.values;
  if (!command || !['run', 'check', 'activity', 'undo'].includes(command) || !v.config) {
    process.stderr.write(`${usage}\n`);
    return command === 'help' || command === '--help' ? exitCodes.ok : exitCodes.config;
  }
  const format = v['log-format'] as LogFormat;
  if (format !== 'text' && format !== 'json') {
    process.stderr.write(`--log-format must be text or json\n`);
    return exitCodes.config;
  }
  const log = createStreamLogger({ format, level: v.verbose ? 'debug' : 'info' });

  let config;
  try {
    config = await loadConfig(v.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return exitCodes.config;
    }
    throw err;
  }
  const dataDir = config.dataDir ?? defaultDataDir();

  if (command === 'check') {
    let code: number = exitCodes.ok;
    for (const r of await checkAccounts(config, log)) {
      if (!r.ok) {
        process.stdout.write(`${r.accountId}: FAILED — ${r.failure?.reason ?? 'unknown error'}\n`);
        code = r.failure?.kind === 'auth' ? exitCodes.auth : exitCodes.error;
        continue;
      }
      process.stdout.write(
        `${r.accountId}: OK — ${r.folders.length} folders: ${r.folders.join(', ')}\n`,
      );
      process.stdout.write(`  capabilities: ${r.capabilities.join(' ')}\n`);
      for (const w of r.warnings) process.stdout.write(`  warning: ${w}\n`);
    }
    const llm = await checkLlm(config);
    if (llm) {
      process.stdout.write(
        `language model: ${llm.ok ? 'OK' : 'FAILED'} — ${llm.message} (${llm.ms} ms)\n`,
      );
      if (!llm.ok && code === exitCodes.ok) code = exitCodes.error;
    }
    return code;
  }

  const engine = createEngine({ config, dataDir, log, dryRun: v['dry-run'], once: v.once });

  if (command === 'activity') {
    for (const e of await engine.recentActivity(Number(v.limit) || 50))
      process.stdout.write(formatEntry(e, true) + '\n');
    return exitCodes.ok;
  }
  if (command === 'undo') {
    const id = args.positionals[0];
    if (!id) {
      process.stderr.write('solon undo: which entry? (see `solon activity`)\n');
      return exitCodes.config;
    }
    try {
      await engine.undo(id);
      process.stdout.write(`undone: ${id}\n`);
      return exitCodes.ok;
    } catch (err) {
      process.stderr.write(`solon undo: ${(err as Error).message}\n`);
      return exitCodes.error;
    }
  }

  // run
  engine.onActivity((e) => log.info(formatEntry(e, false)));
  let lastStates = '';
  engine.onStatus((all) => {
    const line = all.map((s) => `${s.accountId}=${s.state}`).join(' ');
    if (line !== lastStates) {
      lastStates = line;
      for (const s of all)
        log.info(`account ${s.accountId}: ${s.state}`, {
          reason: s.reason,
          nextRetryAt: s.nextRetryAt ? new Date(s.nextRetryAt).toISOString() : undefined,
        });
    }
  });
  log.info('solon starting', {
    accounts: config.accounts.length,
    rules: config.rules.length,
    dataDir,
    dryRun: v['dry-run'] || undefined,
    once: v.once || undefined,
  });
  try {
    await engine.start();
  } catch (err) {
    if (!(err instanceof AlreadyRunning)) throw err;
    log.error(err.message);
    return exitCodes.error;
  }

  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  let firstSignalAt = 0;
  const shutdown = (signal: string): void => {
    if (stopping) {
      // A terminal's Ctrl-C reaches npm, tsx and us at once, and wrappers pass it on: only a
      // deliberate second Ctrl-C (a moment later) means "exit now, do not flush".
      if (Date.now() - firstSignalAt < 2_000) return;
      log.warn('second signal: exiting now');
      process.exit(exitCodes.error);
    }
    firstSignalAt = Date.now();
    log.info(`${signal}: finishing the batch in hand and stopping`);
    stopping = engine.stop();
    void stopping.then(markStopped);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  if (v.once) {
    await Promise.race([engine.caughtUp(), new Promise<void>((r) => process.once('SIGTERM', r))]);
    // Read the outcome before stop(), which marks every mailbox stopped.
    const failed = engine
      .status()
      .filter((s) => s.state === 'auth-failed' || s.state === 'backing-off');
    await (stopping ?? engine.stop());
    for (const s of failed) log.error(`account ${s.accountId}: ${s.reason}`);
    return failed.some((s) => s.state === 'auth-failed')
      ? exitCodes.auth
      : failed.length
        ? exitCodes.error
        : exitCodes.ok;
  }
  // Wait for the signal handler's stop; no polling (a 100 ms poll was most of the idle CPU).
  await stopped;
  log.info('stopped; checkpoints flushed');
  return exitCodes.ok;
}

function formatEntry(e: ActivityEntry, withId: boolean): string {
  const rule =
    e.rules.map((r) => r.name).join(', ') || (e.category ? `category ${e.category}` : '-');
  const what =
    e.result === 'no-match' ? 'no rule matched' : `${e.actions}${e.error ? ` — ${e.error}` : ''}`;
  return `${withId ? `${e.id}  ` : ''}[${e.result}] ${e.accountId}/${e.mailbox} uid ${e.uid} from ${e.from || '?'} "${e.subject}" (${rule}) → ${what}`;
}

const isEntry = process.argv[1] && /cli\.(ts|js|mjs)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`solon: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(exitCodes.error);
    },
  );
}
