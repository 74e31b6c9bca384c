import { z } from 'zod';
import { Account } from './account.js';
import { EngineSettings, LlmSettings } from './config.js';
import { Category, Rule } from './rule.js';

/**
 * The desktop app's settings: what electron-store keeps in userData/settings.json. Accounts,
 * rules and categories use the very schemas of the headless config file (config.ts), so one
 * rule or account means the same thing in both; `toSolonConfig` (src/main/core/settings) turns
 * these settings into the engine's SolonConfig.
 *
 * Never a secret in here: an account's password is a PasswordSource (a command, an env
 * variable or `{ keychain: true }`), and the strict schemas refuse any other field.
 */

/**
 * The shape version written into the file. Raise it with a migration in
 * src/main/core/settings/migrations.ts whenever a stored settings file of the previous version
 * would no longer parse, or would parse to something else.
 */
export const SETTINGS_VERSION = 1;

export const NotificationSettings = z
  .object({
    /** Master switch: off means no notification of any kind. */
    enabled: z.boolean().default(true),
    /** "Connection lost" (after the grace period) and the one "restored" after it. */
    connectionLost: z.boolean().default(true),
    /** The per-rule "notify" action (sender and subject). */
    ruleNotify: z.boolean().default(true),
  })
  .strict();
export type NotificationSettings = z.infer<typeof NotificationSettings>;

type EngineShape = typeof EngineSettings.shape;

/**
 * Overrides of the engine's timings, each optional and without a default. Not
 * `EngineSettings.partial()`: zod 4 still applies an inner `.default()` under `.optional()`, so
 * every default would be copied into the file and a better default in a later release would
 * never reach an existing user. A key that is absent here means "the engine's default".
 */
export const EngineOverrides = z
  .object(
    Object.fromEntries(
      Object.entries(EngineSettings.shape).map(([k, s]) => [k, s.unwrap().optional()]),
    ) as { [K in keyof EngineShape]: z.ZodOptional<ReturnType<EngineShape[K]['unwrap']>> },
  )
  .strict();
export type EngineOverrides = z.infer<typeof EngineOverrides>;

/**
 * The local classifier's settings, the same schema as a headless config's `llm` (config.ts,
 * where it lives beside EngineSettings so both files use one definition). The API key is a
 * PasswordSource; `{ keychain: true }` means the keychain entry under LLM_SECRET_ID.
 */
export { LLM_SECRET_ID, LlmSettings } from './config.js';

export const AppSettings = z
  .object({
    version: z.literal(SETTINGS_VERSION),
    accounts: z.array(Account).default([]),
    rules: z.array(Rule).default([]),
    categories: z.array(Category).default([]),
    notifications: NotificationSettings.default(NotificationSettings.parse({})),
    /** The user's choice; the OS login item (or XDG autostart file) is made to match it. */
    startAtLogin: z.boolean().default(false),
    engine: EngineOverrides.default({}),
    llm: LlmSettings.default(LlmSettings.parse({})),
  })
  .strict();
export type AppSettings = z.infer<typeof AppSettings>;
export type AppSettingsInput = z.input<typeof AppSettings>;

/**
 * A change to the settings. Top-level lists (accounts, rules, categories) are replaced whole;
 * notifications, engine and llm are merged one level deep, and an engine key set to
 * `undefined` drops that override (back to the engine's default).
 */
export interface SettingsPatch {
  accounts?: AppSettings['accounts'];
  rules?: AppSettings['rules'];
  categories?: AppSettings['categories'];
  notifications?: Partial<NotificationSettings>;
  startAtLogin?: boolean;
  engine?: { [K in keyof EngineOverrides]?: EngineOverrides[K] | undefined };
  llm?: Partial<LlmSettings>;
}
