import { createStreamLogger } from '../../src/main/core/log/console-logger.js';
import { silentLogger, type Logger } from '../../src/main/core/ports.js';

/** Silent, unless SOLON_TEST_LOG=debug|info is set: then the engine's log goes to stderr. */
export function testLogger(): Logger {
  const level = process.env.SOLON_TEST_LOG;
  if (level !== 'debug' && level !== 'info') return silentLogger;
  return createStreamLogger({ format: 'text', level });
}
