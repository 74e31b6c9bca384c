import { z } from 'zod';
import { validateRules } from './regex-guard.js';
import { Category, Rule } from './rule.js';

/**
 * The rules file (Settings → Export / Import): rules and categories with a format tag and
 * version, so a file from a later Solon is refused by name rather than half-read.
 */
export const RULES_FILE_FORMAT = 'solon-rules';
export const RULES_FILE_VERSION = 1;

const RulesFile = z
  .object({
    format: z.literal(RULES_FILE_FORMAT, {
      error: `not a Solon rules file (format "${RULES_FILE_FORMAT}")`,
    }),
    version: z.literal(RULES_FILE_VERSION, {
      error: `this Solon reads version ${RULES_FILE_VERSION} rules files`,
    }),
    rules: z.array(Rule).default([]),
    categories: z.array(Category).default([]),
  })
  .strict();

export function exportDocument(rules: Rule[], categories: Category[]): z.input<typeof RulesFile> {
  return { format: RULES_FILE_FORMAT, version: RULES_FILE_VERSION, rules, categories };
}

export type ParsedRulesFile =
  | { ok: true; rules: Rule[]; categories: Category[] }
  | { ok: false; message: string; path: string };

/** Read a rules file: every rule checked as saving would check it (schemas, then regexes). */
export function parseExportDocument(text: string): ParsedRulesFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `not JSON (${(e as Error).message})`, path: '' };
  }
  const parsed = RulesFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? [])
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    return { ok: false, message: `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`, path };
  }
  const checked = validateRules(parsed.data.rules);
  if (!checked.ok) {
    const first = checked.errors[0];
    return {
      ok: false,
      message: checked.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      path: first?.path ?? '',
    };
  }
  const names = new Set<string>();
  for (const [i, c] of parsed.data.categories.entries()) {
    if (names.has(c.name))
      return {
        ok: false,
        message: `categories[${i}].name: "${c.name}" appears twice`,
        path: `categories[${i}].name`,
      };
    names.add(c.name);
  }
  return { ok: true, rules: parsed.data.rules, categories: parsed.data.categories };
}
