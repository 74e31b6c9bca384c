import { writeFileAtomic } from '../util/atomic-file.js';

/** Owner read/write only: what an encrypted secret or a settings file is written with. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: the folder that holds them. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Write a file only its owner can read (0600, in a 0700 folder), atomically (see
 * writeFileAtomic: a crash leaves the old or the new content, never a mix).
 */
export async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomic(file, data, { mode: PRIVATE_FILE_MODE, dirMode: PRIVATE_DIR_MODE });
}
