import { afterAll, beforeAll } from 'vitest';
import { startDovecot, type Dovecot, type StartDovecotOptions } from './dovecot.js';

/**
 * Start one Dovecot for the current vitest file (beforeAll) and stop it afterwards (afterAll,
 * which runs even when tests fail). Call the returned getter inside tests.
 */
export function useDovecot(opts?: StartDovecotOptions): () => Dovecot {
  let instance: Dovecot | undefined;
  beforeAll(async () => {
    instance = await startDovecot(opts);
  });
  afterAll(async () => {
    await instance?.stop();
  });
  return () => {
    if (!instance)
      throw new Error('useDovecot(): Dovecot is not running (beforeAll failed or has not run)');
    return instance;
  };
}
