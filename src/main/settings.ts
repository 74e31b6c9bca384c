/**
 * The settings adapter: electron-store (conf plus the userData folder) under our own migrations,
 * schema and validation (src/main/core/settings). Thin on purpose: everything worth testing is
 * in core and tested with a real `conf` in a temp folder (test/unit/settings).
 *
 * The headless CLI does not use this: `solon run` keeps reading its JSON/YAML config file
 * (src/main/core/config/load-config.ts). Both end in the same SolonConfig, through the same
 * schemas and the same `parseConfig` (see toSolonConfig).
 */
import { app } from 'electron';
import ElectronStore from 'electron-store';
import type { Logger } from './core/ports.js';
import {
  openSettings,
  type SettingsNotice,
  type SettingsStore,
  type StoreBackend,
} from './core/settings/settings-store.js';

type Doc = Record<string, unknown>;

/**
 * Open userData/settings.json. Call after app `ready` (userData is final by then). A plain-text
 * password found in an old file goes to `saveSecret` (the keychain) and leaves the file.
 */
export async function openAppSettings(opts: {
  saveSecret?: (accountId: string, password: string) => Promise<void>;
  log?: Logger;
}): Promise<{ settings: SettingsStore; notices: SettingsNotice[] }> {
  return openSettings({
    dir: app.getPath('userData'),
    ...opts,
    // cwd, name (settings.json), schema/rootSchema derived from zod, defaults, mode 0600.
    makeStore: (options): StoreBackend => new ElectronStore<Doc>(options),
  });
}
