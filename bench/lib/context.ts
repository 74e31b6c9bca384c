// What the side-by-side scenarios share: one private Dovecot, the built subjects, a temp dir.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import type { Dovecot } from '../../test/helpers/dovecot.js';
import { configFor } from '../../test/helpers/solon-config.js';
import { imapfilterConfig } from '../peers/imapfilter-config.js';
import { CLI_NODE_FLAGS } from './build-cli.js';
import { Child } from './child.js';

/** One password for every bench user, passed to the subjects in this environment variable. */
export const PASSWORD = 'bench-secret-pw';
export const PASSWORD_ENV = 'SOLON_BENCH_PW';
export const IMAPFILTER = '/usr/bin/imapfilter';

/** A build of headless Solon to measure (the bundled CLI). */
export interface SolonBuild {
  /** Short id, used in user names. */
  key: string;
  /** What the table calls it. */
  label: string;
  /** The bundled cli.mjs, run with node and CLI_NODE_FLAGS, as its first line says. */
  cli: string;
}

export interface BenchContext {
  d: Dovecot;
  dir: string;
  solons: SolonBuild[];
  /** The bundled bench/peers/raw-fetch.ts. */
  rawFetch: string;
  say(line: string): void;
}

export const env = { [PASSWORD_ENV]: PASSWORD };

/** Write a headless Solon config for one user of the bench Dovecot; returns its path. */
export async function solonConfig(
  ctx: BenchContext,
  user: string,
  rules: RuleInput[],
  name: string,
): Promise<{ file: string; dataDir: string }> {
  const dataDir = path.join(ctx.dir, `${name}-data`);
  await mkdir(dataDir, { recursive: true });
  const file = path.join(ctx.dir, `${name}.json`);
  const config = configFor(ctx.d, { user, passwordEnv: PASSWORD_ENV, dataDir, rules });
  await writeFile(file, JSON.stringify(config, null, 2));
  return { file, dataDir };
}

/** Write an imapfilter config.lua for one user; returns its path. */
export async function imapfilterLua(
  ctx: BenchContext,
  user: string,
  rules: RuleInput[],
  mode: 'once' | 'watch',
  name: string,
): Promise<string> {
  const file = path.join(ctx.dir, `${name}.lua`);
  await writeFile(
    file,
    imapfilterConfig({
      // The generated certificate names 127.0.0.1 and localhost; imapfilter checks the name.
      server: 'localhost',
      port: ctx.d.tlsPort,
      username: user,
      passwordEnv: PASSWORD_ENV,
      mailbox: 'INBOX',
      rules,
      mode,
    }),
    { mode: 0o600 },
  );
  return file;
}

/** imapfilter's arguments: trust only the bench CA (-t), never a prompt. */
export function imapfilterArgs(ctx: BenchContext, lua: string): string[] {
  return ['-c', lua, '-t', ctx.d.caFile];
}

/** imapfilter keeps state under IMAPFILTER_HOME (default ~/.imapfilter): a private one. */
export function imapfilterEnv(ctx: BenchContext): NodeJS.ProcessEnv {
  return { ...env, IMAPFILTER_HOME: path.join(ctx.dir, 'imapfilter-home') };
}

/** Start a watching headless Solon; resolves once its account says it is watching. */
export async function startSolon(
  ctx: BenchContext,
  build: SolonBuild,
  configFile: string,
  name: string,
): Promise<Child> {
  const c = new Child(
    `${build.label} (${name})`,
    process.execPath,
    [...CLI_NODE_FLAGS, build.cli, 'run', '--config', configFile],
    { env, logFile: path.join(ctx.dir, `${name}.log`) },
  );
  await c.waitFor(/account \S+: watching/, 60_000);
  return c;
}

/** Start imapfilter in its enter_idle loop; resolves once it has sorted and is about to IDLE. */
export async function startImapfilter(
  ctx: BenchContext,
  lua: string,
  name: string,
): Promise<Child> {
  const c = new Child(`imapfilter (${name})`, IMAPFILTER, imapfilterArgs(ctx, lua), {
    env: imapfilterEnv(ctx),
    logFile: path.join(ctx.dir, `${name}.log`),
  });
  await c.waitFor(/imapfilter: watching/, 60_000);
  return c;
}
