/**
 * The window's side of the local classifier (issue 6): the endpoint check, one message
 * classified on demand, and the API key kept in the keychain. The app and the browser harness
 * build these the same way; the classifier itself lives in classify/llm.
 */
import { LLM_SECRET_ID, type LlmSettings } from '../../shared/domain/config.js';
import { categorizeOnce, testLlmEndpoint } from './classify/llm/index.js';
import { resolveLlmApiKey } from './config/password.js';
import type { LlmDeps } from './handlers.js';
import type { SecretSource } from './ports.js';

export interface LlmWindowOptions {
  /** The saved LLM settings. */
  settings: () => LlmSettings | undefined;
  /** The keychain: the key is kept under LLM_SECRET_ID, never in the settings file. */
  secrets: SecretSource & {
    setPassword(id: string, secret: string): Promise<void>;
    deletePassword?(id: string): Promise<void>;
  };
  /** Records where the key now comes from (`{ keychain: true }`, or none). */
  saveApiKeySource: (source: LlmSettings['apiKey']) => void;
  env?: NodeJS.ProcessEnv;
  /** Tests: the fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
}

export function createLlmWindow(opts: LlmWindowOptions): LlmDeps {
  /**
   * The key for a try-out. A key that cannot be had (no keychain entry yet, a failing command)
   * is not the endpoint's fault: try without, and the server says 401 if it wants one.
   */
  const apiKey = async (s: LlmSettings): Promise<string | undefined> =>
    s.apiKey
      ? resolveLlmApiKey(s.apiKey, opts.secrets, opts.env).catch(() => undefined)
      : undefined;
  return {
    settings: opts.settings,
    test: async (s) => testLlmEndpoint(s, await apiKey(s), { fetch: opts.fetch }),
    categorize: async (view, categories, s) =>
      categorizeOnce(view, categories, s, await apiKey(s), { fetch: opts.fetch }),
    async setApiKey(key) {
      if (key === '') {
        await opts.secrets.deletePassword?.(LLM_SECRET_ID);
        opts.saveApiKeySource(undefined);
        return;
      }
      await opts.secrets.setPassword(LLM_SECRET_ID, key);
      opts.saveApiKeySource({ keychain: true });
    },
  };
}
