import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replace a file so that a crash at any instant leaves either the old or the new content: a
 * fresh temp file beside it (created with `mode`, never briefly wider, whatever the umask),
 * fsync, rename over the target, fsync the folder (created with `dirMode` if missing).
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts: { mode?: number; dirMode?: number } = {},
): Promise<void> {
  const mode = opts.mode ?? 0o644;
  const dir = dirname(file);
  await mkdir(dir, {
    recursive: true,
    ...(opts.dirMode !== undefined ? { mode: opts.dirMode } : {}),
  });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // 'wx': a fresh file, so the mode given here is the mode it has (open ignores it otherwise).
  const fh = await open(tmp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // The umask can only take bits away; chmod so the result never depends on it.
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename must reach the disk too, or a power cut could bring the old file back.
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic there.
  } finally {
    await dh.close();
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
