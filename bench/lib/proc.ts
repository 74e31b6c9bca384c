// Linux /proc readers for the idle-cost bench: CPU time and resident memory of a process.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second (USER_HZ) that /proc/<pid>/stat counts utime and stime in. */
export function clockTicksPerSecond(): number {
  const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
  const hz = Number(out);
  if (!Number.isInteger(hz) || hz <= 0) throw new Error(`getconf CLK_TCK said ${out}`);
  return hz;
}

/** Fields of /proc/<pid>/stat from field 3 (state) on; the comm in parentheses may hold spaces. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
}

/**
 * utime + stime of the process in clock ticks: every thread of it (libuv pool, V8 GC and
 * compiler threads, module-loader thread), not its waited-for children.
 */
export function readCpuTicks(pid: number): number {
  const f = statFields(pid);
  // Field 14 is utime and 15 stime (proc(5)); f[0] is field 3.
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`unreadable /proc/${pid}/stat`);
  return utime + stime;
}

/** VmRSS of the process in kB (1024 bytes). */
export function readRssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status (a zombie?)`);
  return Number(m[1]);
}

/** Pids of every live descendant of pid (children, grandchildren…), from each process's ppid. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let ppid: number;
    try {
      ppid = Number(statFields(Number(name))[1]);
    } catch {
      continue; // exited while we looked
    }
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    for (const c of children.get(todo.pop()!) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

/** The command name of a process (/proc/<pid>/comm), or "?" once it is gone. */
export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
