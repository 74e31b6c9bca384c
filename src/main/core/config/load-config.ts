import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, isAbsolute, join, resolve, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SolonConfig, zodProblems, type ConfigProblem } from '../../../shared/domain/config.js';
import { validateRules } from '../../../shared/domain/regex-guard.js';

/** A config that cannot be used, with every problem named by its field. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: invalid config\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
}

/** Validate a config object: schema first, then what the schema cannot say (regexes, rule shapes). */
export function parseConfig(raw: unknown, file = '(config)'): SolonConfig {
  const parsed = SolonConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, zodProblems(parsed.error));
  const rules = validateRules(parsed.data.rules);
  if (!rules.ok)
    throw new ConfigError(
      file,
      rules.errors.map((e) => ({
        path: e.path.startsWith('rules') ? e.path : `rules${e.path}`,
        message: e.message,
      })),
    );
  const ids = new Set<string>();
  const problems: ConfigProblem[] = [];
  parsed.data.accounts.forEach((a, i) => {
    if (ids.has(a.id))
      problems.push({ path: `accounts[${i}].id`, message: `duplicate account id "${a.id}"` });
    ids.add(a.id);
  });
  const cats = new Set(parsed.data.categories.map((c) => c.name));
  parsed.data.rules.forEach((r, i) => {
    if (r.category && !cats.has(r.category))
      problems.push({ path: `rules[${i}].category`, message: `no category named "${r.category}"` });
  });
  problems.push(...categoryNameProblems(parsed.data.categories));
  if (problems.length) throw new ConfigError(file, problems);
  return { ...parsed.data, rules: rules.rules };
}

/**
 * Category names must be distinct (ignoring case: the model may answer in any case) and none may
 * be "none", which is the classifier's answer for "no category fits".
 */
export function categoryNameProblems(categories: readonly { name: string }[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  categories.forEach((c, i) => {
    const key = c.name.toLowerCase();
    if (key === 'none')
      problems.push({
        path: `categories[${i}].name`,
        message: '"none" is the classifier\'s answer for "no category fits"; choose another name',
      });
    const first = seen.get(key);
    if (first !== undefined)
      problems.push({
        path: `categories[${i}].name`,
        message: `duplicate category "${c.name}" (also categories[${first}], ignoring case)`,
      });
    else seen.set(key, i);
  });
  return problems;
}

/** Read a JSON or YAML config file. Relative paths inside it (caFile, dataDir) are relative to the file. */
export async function loadConfig(
  file: string,
  opts: { checkFiles?: boolean } = {},
): Promise<SolonConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: (err as Error).message }]);
  }
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '(syntax)', message: (err as Error).message }]);
  }
  const config = parseConfig(raw, file);
  const base = dirname(resolve(file));
  const rel = (p: string): string =>
    isAbsolute(p) ? p : p.startsWith('~/') ? join(homedir(), p.slice(2)) : resolve(base, p);
  const resolved = {
    ...config,
    dataDir: config.dataDir ? rel(config.dataDir) : undefined,
    accounts: config.accounts.map((a) => ({ ...a, caFile: a.caFile ? rel(a.caFile) : undefined })),
  };
  const problems: ConfigProblem[] = [];
  for (const [i, a] of resolved.accounts.entries()) {
    if (opts.checkFiles !== false && a.caFile && !existsSync(a.caFile))
      problems.push({ path: `accounts[${i}].caFile`, message: `no such file: ${a.caFile}` });
  }
  if (problems.length) throw new ConfigError(file, problems);
  return resolved;
}

/** $XDG_DATA_HOME/solon, or ~/.local/share/solon. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'solon');
}
