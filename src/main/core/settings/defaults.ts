import { AppSettings, SETTINGS_VERSION } from '../../../shared/domain/settings.js';

/**
 * Settings of a first start: no accounts, no rules, notifications on, not started at login
 * (adding a login item is the user's call, asked for in the UI), no engine overrides. Built by
 * the schema from its own defaults, so a default lives in exactly one place.
 */
export function defaults(): AppSettings {
  return AppSettings.parse({ version: SETTINGS_VERSION });
}
