import {
  EngineSettings,
  zodProblems,
  type ConfigProblem,
  type SolonConfig,
} from '../../../shared/domain/config.js';
import { validateRules } from '../../../shared/domain/regex-guard.js';
import { AppSettings } from '../../../shared/domain/settings.js';
import { categoryNameProblems, parseConfig } from '../config/load-config.js';

export type SettingsCheck =
  { ok: true; settings: AppSettings } | { ok: false; problems: ConfigProblem[] };

/**
 * Validate settings as they are loaded or about to be saved: the zod schema, then what it cannot
 * say — the same checks `solon run` makes of its config file (unique account ids, rules that
 * compile under RE2, categories that exist). Every problem at once, each named by its field.
 */
export function parseSettings(raw: unknown): SettingsCheck {
  const parsed = AppSettings.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error) };
  const settings = parsed.data;
  const problems: ConfigProblem[] = [];
  const ids = new Map<string, number>();
  settings.accounts.forEach((a, i) => {
    const first = ids.get(a.id);
    if (first !== undefined)
      problems.push({
        path: `accounts[${i}].id`,
        message: `duplicate account id "${a.id}" (also accounts[${first}])`,
      });
    else ids.set(a.id, i);
  });
  const rules = validateRules(settings.rules);
  if (!rules.ok) problems.push(...rules.errors);
  const categories = new Set(settings.categories.map((c) => c.name));
  settings.rules.forEach((r, i) => {
    if (r.category && !categories.has(r.category))
      problems.push({ path: `rules[${i}].category`, message: `no category named "${r.category}"` });
  });
  problems.push(...categoryNameProblems(settings.categories));
  return problems.length ? { ok: false, problems } : { ok: true, settings };
}

/**
 * The engine's config from the desktop settings: the same SolonConfig, validated by the same
 * `parseConfig`, as `solon run` builds from its file. Throws ConfigError (with every problem)
 * when the settings cannot run — in particular with no account yet ("add at least one
 * account"); the shell checks `settings.accounts.length` first and simply does not start.
 */
export function toSolonConfig(settings: AppSettings, dataDir: string): SolonConfig {
  return parseConfig(
    {
      dataDir,
      accounts: settings.accounts,
      rules: settings.rules,
      categories: settings.categories,
      engine: EngineSettings.parse(settings.engine),
      llm: settings.llm,
    },
    'settings',
  );
}
