import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Owner read/write only: what an encrypted secret or a settings file is written with. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: the folder that holds them. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Write a file only its owner can read, so that a crash at any instant leaves either the old or
 * the new content: a temp file created 0600 (never briefly world-readable, whatever the umask),
 * fsync, rename over the target, fsync the folder. The folder is created 0700 if missing.
 */
export async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // 'wx': a fresh file, so the mode given here is the mode it has (open ignores it otherwise).
  const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // The umask can only take bits away from 0600; chmod anyway so the result never depends on it.
    await chmod(tmp, PRIVATE_FILE_MODE);
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
