import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from './solon-config.js';

/** Headless Solon as a real child process (`tsx src/main/cli.ts ...`), for kill -9 tests. */
export function spawnSolon(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; logFile: string },
): ChildProcess {
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a grandchild process that
  // a SIGKILL of the child would leave running.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'src', 'main', 'cli.ts'), ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  return child;
}

/** Resolves with the exit code (or signal name) when the process ends. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
}

/** Lines of the activity log (all rotated files are not needed at test sizes). */
export async function activityLines(dataDir: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'activity', 'activity.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // torn last line of a killed process
    }
  }
  return out;
}
