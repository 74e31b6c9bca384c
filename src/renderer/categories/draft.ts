/**
 * The category editor's model (pure, tested): the form's draft, the domain Category it becomes,
 * the problems the window can see before saving, and what a rename or delete does to the rules
 * that set the category (settings refuse a rule naming a category that does not exist).
 */
import { Category } from '../../shared/domain/rule';
import type { Rule } from '../../shared/domain/rule';
import {
  actionRowErrors,
  toActionRows,
  toActions,
  type ActionDraft,
  type DraftContext,
  type FieldErrors,
} from '../rules/draft';

export interface CategoryDraft {
  name: string;
  description: string;
  actions: ActionDraft[];
}

export function newCategoryDraft(): CategoryDraft {
  return { name: '', description: '', actions: [] };
}

export function fromCategory(c: Category): CategoryDraft {
  return { name: c.name, description: c.description, actions: toActionRows(c.actions) };
}

export function toCategory(d: CategoryDraft): { category: Category; rowOf: number[] } {
  const { actions, rowOf } = toActions(d.actions);
  return { category: { name: d.name.trim(), description: d.description, actions }, rowOf };
}

/** The form key for a settings path of category `index` (`categories[1].actions[0].keyword`). */
export function categoryFieldKey(
  path: string,
  index: number,
  rowOf: readonly number[],
): string | undefined {
  const prefix = `categories[${index}]`;
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest === '.name') return 'name';
  if (rest === '.description') return 'description';
  const act = /^\.actions\[(\d+)\](?:\.(\w+))?/.exec(rest);
  if (act) {
    const row = rowOf[Number(act[1])];
    if (row === undefined) return 'actions';
    return act[2] === undefined || act[2] === 'type' ? `actions.${row}.type` : `actions.${row}.arg`;
  }
  return 'form';
}

/**
 * Everything the window can check: the schema (name pattern, keyword syntax), names distinct
 * ignoring case and never "none" (the classifier's "no category fits"), folders that exist.
 */
export function categoryErrors(
  d: CategoryDraft,
  otherNames: readonly string[],
  ctx: DraftContext,
): FieldErrors {
  const out: FieldErrors = {};
  const { category, rowOf } = toCategory(d);
  const parsed = Category.safeParse(category);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = `categories[0]${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
      const key = categoryFieldKey(path, 0, rowOf) ?? 'form';
      out[key] ??= issue.message;
    }
  }
  const name = category.name;
  if (name === '') out.name = 'give the category a name';
  else if (name.toLowerCase() === 'none')
    out.name = '"none" is the classifier\'s answer for "no category fits"; choose another name';
  else if (otherNames.some((n) => n.toLowerCase() === name.toLowerCase()))
    out.name = `there is already a category "${name}" (names ignore case)`;
  return { ...out, ...actionRowErrors(d.actions, ctx) };
}

/** The rules that set a category. */
export function rulesSetting(rules: readonly Rule[], name: string): Rule[] {
  return rules.filter((r) => r.category === name);
}

/** Rules with a category renamed (so they keep pointing at it). */
export function renameInRules(rules: readonly Rule[], from: string, to: string): Rule[] {
  if (from === to) return [...rules];
  return rules.map((r) => (r.category === from ? { ...r, category: to } : r));
}

/** Rules with a deleted category taken out (the rest of each rule stays). */
export function clearInRules(rules: readonly Rule[], name: string): Rule[] {
  return rules.map((r) => {
    if (r.category !== name) return r;
    const { category: _category, ...rest } = r;
    return rest;
  });
}

export function sameCategoryDraft(a: CategoryDraft, b: CategoryDraft): boolean {
  const strip = (d: CategoryDraft): unknown => ({
    ...d,
    actions: d.actions.map(({ key: _key, ...x }) => x),
  });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
