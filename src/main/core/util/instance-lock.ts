import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Another Solon is already working on this data folder. */
export class AlreadyRunning extends Error {}

/**
 * One Solon per data folder: two engines on the same checkpoints would both act on the same
 * new mail. A pid file taken with O_EXCL; a stale one (its process gone, e.g. after kill -9)
 * is taken over.
 */
export async function acquireInstanceLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'solon.pid');
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    // Our own pid counts as held too: a second engine in this process would race the first.
    if (pid > 0 && (pid === process.pid || isAlive(pid))) {
      throw new AlreadyRunning(`another Solon (pid ${pid}) is using ${dataDir}; stop it first`);
    }
    await unlink(file).catch(() => undefined); // stale: its owner is gone
  }
  throw new AlreadyRunning(`could not take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
