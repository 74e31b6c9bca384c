// Child processes of the side-by-side bench: started, watched (their output, as events — no
// polling), timed from spawn to exit, and always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';

const STOP_GRACE_MS = 5_000;
const live = new Set<Child>();

/** A started child process whose stdout and stderr are kept (and copied to a log file). */
export class Child {
  readonly pid: number;
  readonly startedAt = performance.now();
  readonly exited: Promise<number | string>;
  private out = '';
  private waiters: Array<() => void> = [];
  private readonly log: WriteStream;
  private readonly proc: ChildProcess;

  constructor(
    readonly label: string,
    cmd: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
  ) {
    this.log = createWriteStream(opts.logFile, { flags: 'a' });
    this.proc = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.proc.pid === undefined) throw new Error(`could not start ${label} (${cmd})`);
    this.pid = this.proc.pid;
    live.add(this);
    const take = (chunk: Buffer): void => {
      this.out += chunk.toString('utf8');
      this.log.write(chunk);
      for (const w of this.waiters.splice(0)) w();
    };
    this.proc.stdout!.on('data', take);
    this.proc.stderr!.on('data', take);
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => {
        live.delete(this);
        for (const w of this.waiters.splice(0)) w();
        resolve(code ?? signal ?? -1);
      }),
    );
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Everything printed so far (stdout and stderr interleaved as they came). */
  get output(): string {
    return this.out;
  }

  /** Resolves once the output (from offset on) matches; rejects on exit or deadline. */
  async waitFor(
    pattern: RegExp | ((out: string) => boolean),
    deadlineMs: number,
    offset = 0,
  ): Promise<void> {
    const test = typeof pattern === 'function' ? pattern : (s: string): boolean => pattern.test(s);
    const end = performance.now() + deadlineMs;
    while (!test(this.out.slice(offset))) {
      if (!this.running)
        throw new Error(`${this.label} exited before ${String(pattern)}:\n${this.tail()}`);
      const left = end - performance.now();
      if (left <= 0)
        throw new Error(
          `${this.label}: no ${String(pattern)} within ${deadlineMs} ms:\n${this.tail()}`,
        );
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  tail(lines = 25): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.running) {
      this.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), STOP_GRACE_MS))),
      ]);
      clearTimeout(timer);
      if (!gone) {
        this.proc.kill('SIGKILL');
        await this.exited;
      }
    }
    await new Promise<void>((r) => this.log.end(r));
  }
}

/** Run to completion; resolves with the wall time from spawn to exit. Rejects on a non-zero exit. */
export async function timedRun(
  label: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string; deadlineMs: number },
): Promise<{ ms: number; output: string }> {
  const t0 = performance.now();
  const c = new Child(label, cmd, args, opts);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    c.exited,
    new Promise<'deadline'>((r) => (timer = setTimeout(() => r('deadline'), opts.deadlineMs))),
  ]);
  const ms = performance.now() - t0;
  clearTimeout(timer);
  if (code === 'deadline') {
    await c.stop();
    throw new Error(`${label}: still running after ${opts.deadlineMs} ms:\n${c.tail()}`);
  }
  await c.stop();
  if (code !== 0) throw new Error(`${label} exited with ${String(code)}:\n${c.tail()}`);
  return { ms, output: c.output };
}

/** Last resort on exit: only synchronous work runs here. */
export function killAllSync(): void {
  for (const c of live) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
