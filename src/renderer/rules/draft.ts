/**
 * The rule editor's model, kept apart from React so it can be tested: a draft is what the form
 * holds (every field as the user typed it, rows with stable keys), `toRule` turns it into the
 * domain Rule the contract takes, and `fieldErrors` puts each validation problem on the form
 * field it belongs to.
 */
import type { RuleProblem } from '../../shared/contract';
import type { FolderInfo } from '../../shared/contract';
import type {
  Action,
  ActionType,
  Condition,
  ConditionField,
  ConditionOperator,
  Rule,
} from '../../shared/domain/rule';
import { operatorsFor } from '../../shared/domain/regex-guard';

/** One condition row as the form holds it. */
export interface ConditionDraft {
  /** React key; never saved. */
  key: string;
  field: ConditionField;
  /** The header name, used when field is `header`. */
  header: string;
  op: ConditionOperator;
  /** As typed; unused by `exists`. */
  value: string;
  negate: boolean;
  caseSensitive: boolean;
}

/**
 * An action row. `set-category` is not a domain action: it is how the form shows the rule's
 * `category`, so the user finds it among the other things a rule can do.
 */
export type ActionDraftType = ActionType | 'set-category';

export interface ActionDraft {
  key: string;
  type: ActionDraftType;
  /** The folder, keyword, label or category, for the types that take one. */
  arg: string;
}

export interface RuleDraft {
  id: string;
  name: string;
  enabled: boolean;
  match: 'all' | 'any';
  conditions: ConditionDraft[];
  actions: ActionDraft[];
}

/** What each action type's argument is (the kind of input the row shows). */
export type ActionArg = 'folder' | 'keyword' | 'label' | 'category' | 'none';

export function actionArg(type: ActionDraftType): ActionArg {
  switch (type) {
    case 'move':
    case 'copy':
      return 'folder';
    case 'add-keyword':
    case 'remove-keyword':
      return 'keyword';
    case 'gmail-label':
      return 'label';
    case 'set-category':
      return 'category';
    case 'flag':
    case 'mark-read':
    case 'notify':
    case 'stop':
      return 'none';
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

/** The action types in the order the picker lists them, with their labels. */
export const actionTypes: readonly { type: ActionDraftType; label: string }[] = [
  { type: 'move', label: 'Move to folder' },
  { type: 'copy', label: 'Copy to folder' },
  { type: 'set-category', label: 'Set category' },
  { type: 'add-keyword', label: 'Add keyword' },
  { type: 'remove-keyword', label: 'Remove keyword' },
  { type: 'gmail-label', label: 'Add Gmail label' },
  { type: 'flag', label: 'Flag' },
  { type: 'mark-read', label: 'Mark as read' },
  { type: 'notify', label: 'Notify me' },
  { type: 'stop', label: 'Stop processing more rules' },
];

export const fieldLabels: Record<ConditionField, string> = {
  from: 'From',
  to: 'To',
  cc: 'Cc',
  subject: 'Subject',
  header: 'Header…',
  body: 'Body',
  'list-id': 'List-Id',
  'has-attachment': 'Attachment',
  'attachment-name': 'Attachment name',
  'attachment-type': 'Attachment type',
  size: 'Size',
};

export const operatorLabels: Record<ConditionOperator, string> = {
  contains: 'contains',
  equals: 'is',
  'starts-with': 'starts with',
  'ends-with': 'ends with',
  matches: 'matches regex',
  exists: 'exists',
  'greater-than': 'is larger than',
  'less-than': 'is smaller than',
};

/** Operators offered for a field: the domain's own table (regex-guard's operatorsFor). */
export function operatorsForField(field: ConditionField): readonly ConditionOperator[] {
  return operatorsFor(field);
}

/** Whether an operator takes a value, and what kind. */
export function valueKind(op: ConditionOperator): 'text' | 'regex' | 'size' | 'none' {
  switch (op) {
    case 'contains':
    case 'equals':
    case 'starts-with':
    case 'ends-with':
      return 'text';
    case 'matches':
      return 'regex';
    case 'greater-than':
    case 'less-than':
      return 'size';
    case 'exists':
      return 'none';
    default: {
      const unreachable: never = op;
      return unreachable;
    }
  }
}

let keySeq = 0;
/** A React key for a new row (unique within this window's life). */
export function rowKey(): string {
  keySeq += 1;
  return `row-${keySeq}`;
}

export function newCondition(): ConditionDraft {
  return {
    key: rowKey(),
    field: 'from',
    header: '',
    op: 'contains',
    value: '',
    negate: false,
    caseSensitive: false,
  };
}

export function newAction(type: ActionDraftType = 'move'): ActionDraft {
  return { key: rowKey(), type, arg: '' };
}

/** A fresh rule: one empty condition, one empty move. The id is settled when it is saved. */
export function newRuleDraft(): RuleDraft {
  return {
    id: '',
    name: '',
    enabled: true,
    match: 'all',
    conditions: [newCondition()],
    actions: [newAction('move')],
  };
}

/** A new field keeps the operator and value when they still make sense, else takes the first. */
export function withField(c: ConditionDraft, field: ConditionField): ConditionDraft {
  const ops = operatorsForField(field);
  const op = ops.includes(c.op) ? c.op : (ops[0] ?? 'exists');
  const value = valueKind(op) === valueKind(c.op) ? c.value : '';
  return { ...c, field, op, value };
}

export function withOperator(c: ConditionDraft, op: ConditionOperator): ConditionDraft {
  const value = valueKind(op) === valueKind(c.op) || valueKind(op) === 'regex' ? c.value : '';
  return { ...c, op, value: valueKind(op) === 'none' ? '' : value };
}

/** A new type keeps the argument when it means the same kind of thing (move ↔ copy). */
export function withActionType(a: ActionDraft, type: ActionDraftType): ActionDraft {
  return { ...a, type, arg: actionArg(type) === actionArg(a.type) ? a.arg : '' };
}

function conditionDraft(c: Condition): ConditionDraft {
  return {
    key: rowKey(),
    field: c.field,
    header: c.header ?? '',
    op: c.op,
    value: c.value === undefined ? '' : String(c.value),
    negate: c.negate,
    caseSensitive: c.caseSensitive,
  };
}

function actionDraft(a: Action): ActionDraft {
  switch (a.type) {
    case 'move':
    case 'copy':
      return { key: rowKey(), type: a.type, arg: a.folder };
    case 'add-keyword':
    case 'remove-keyword':
      return { key: rowKey(), type: a.type, arg: a.keyword };
    case 'gmail-label':
      return { key: rowKey(), type: a.type, arg: a.label };
    case 'flag':
    case 'mark-read':
    case 'notify':
    case 'stop':
      return { key: rowKey(), type: a.type, arg: '' };
    default: {
      const unreachable: never = a;
      return unreachable;
    }
  }
}

/** Domain actions as form rows (rules and categories). */
export function toActionRows(actions: readonly Action[]): ActionDraft[] {
  return actions.map(actionDraft);
}

/** The form's view of a saved rule. The category row goes before a final `stop`. */
export function fromRule(rule: Rule): RuleDraft {
  const actions = toActionRows(rule.actions);
  if (rule.category !== undefined) {
    const row: ActionDraft = { key: rowKey(), type: 'set-category', arg: rule.category };
    const last = actions.at(-1);
    if (last?.type === 'stop') actions.splice(actions.length - 1, 0, row);
    else actions.push(row);
  }
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    match: rule.match,
    conditions: rule.conditions.map(conditionDraft),
    actions,
  };
}

/** Action rows as domain actions (set-category rows left out), for rules and categories. */
export function toActions(rows: readonly ActionDraft[]): { actions: Action[]; rowOf: number[] } {
  const actions: Action[] = [];
  /** rowOf[i]: the form row of actions[i], to put a saved-action error on its row. */
  const rowOf: number[] = [];
  rows.forEach((a, row) => {
    const action = toAction(a);
    if (action === undefined) return;
    actions.push(action);
    rowOf.push(row);
  });
  return { actions, rowOf };
}

function toAction(a: ActionDraft): Action | undefined {
  const arg = a.arg.trim();
  switch (a.type) {
    case 'move':
    case 'copy':
      return { type: a.type, folder: a.arg };
    case 'add-keyword':
    case 'remove-keyword':
      return { type: a.type, keyword: arg };
    case 'gmail-label':
      return { type: a.type, label: arg };
    case 'flag':
    case 'mark-read':
    case 'notify':
    case 'stop':
      return { type: a.type };
    case 'set-category':
      return undefined;
    default: {
      const unreachable: never = a.type;
      return unreachable;
    }
  }
}

function toCondition(c: ConditionDraft): Condition {
  const out: Condition = {
    field: c.field,
    op: c.op,
    negate: c.negate,
    caseSensitive: c.caseSensitive,
  };
  if (c.field === 'header' && c.header.trim() !== '') out.header = c.header.trim();
  switch (valueKind(c.op)) {
    case 'none':
      break;
    case 'size': {
      const v = c.value.trim();
      out.value = /^\d+$/.test(v) ? Number(v) : v;
      break;
    }
    case 'text':
    case 'regex':
      // As typed: leading or trailing spaces can be the point of an equals or a regex.
      out.value = c.value;
      break;
  }
  return out;
}

/**
 * The domain rule for a draft, and where each saved action came from. Not checked here: the
 * result goes to rules.validate, which says what is wrong and where.
 */
export function toRule(d: RuleDraft): { rule: Rule; rowOf: number[] } {
  const { actions, rowOf } = toActions(d.actions);
  const rule: Rule = {
    id: d.id,
    name: d.name.trim(),
    enabled: d.enabled,
    match: d.match,
    conditions: d.conditions.map(toCondition),
    actions,
  };
  const cat = d.actions.find((a) => a.type === 'set-category');
  if (cat !== undefined && cat.arg !== '') rule.category = cat.arg;
  return { rule, rowOf };
}

/** A form field's errors, keyed like `name`, `conditions.0.value`, `actions.2.arg`. */
export type FieldErrors = Record<string, string>;

/** The form key for a validation path of rule `index` (`rules[3].conditions[0].value`). */
export function fieldKey(
  path: string,
  index: number,
  d: RuleDraft,
  rowOf: readonly number[],
): string | undefined {
  const prefix = `rules[${index}]`;
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest === '' || rest === '.id') return 'form';
  if (rest === '.name') return 'name';
  if (rest === '.conditions') return 'conditions';
  if (rest === '.category') {
    const row = d.actions.findIndex((a) => a.type === 'set-category');
    return row < 0 ? 'actions' : `actions.${row}.arg`;
  }
  const cond = /^\.conditions\[(\d+)\](?:\.(\w+))?/.exec(rest);
  if (cond) {
    const key = cond[2];
    const part = key === 'header' || key === 'op' || key === 'value' ? key : 'field';
    return `conditions.${cond[1]}.${part}`;
  }
  const act = /^\.actions\[(\d+)\](?:\.(\w+))?/.exec(rest);
  if (act) {
    const row = rowOf[Number(act[1])];
    if (row === undefined) return 'actions';
    return act[2] === undefined || act[2] === 'type' ? `actions.${row}.type` : `actions.${row}.arg`;
  }
  if (rest.startsWith('.actions')) return 'actions';
  return 'form';
}

/** Problems from rules.validate (or settings.update) placed on the form; the first per field wins. */
export function placeProblems(
  problems: readonly RuleProblem[],
  index: number,
  d: RuleDraft,
  rowOf: readonly number[],
): FieldErrors {
  const out: FieldErrors = {};
  for (const p of problems) {
    const key = fieldKey(p.path, index, d, rowOf);
    if (key === undefined) continue;
    out[key] ??= friendly(key, p.message);
  }
  return out;
}

// zod's own wording for an empty string is not for people.
function friendly(key: string, message: string): string {
  if (!/too small|expected string to have/i.test(message)) return message;
  if (key === 'name') return 'give the rule a name';
  if (key.endsWith('.arg')) return 'this action needs a value';
  return message;
}

/** What the editor checks itself, beyond the domain validation: things only the window knows. */
export interface DraftContext {
  /** The chosen account's folders, when loaded; undefined skips the folder check. */
  folders: readonly FolderInfo[] | undefined;
  /** The account the folders are from, for the message. */
  accountId: string;
  /** The saved category names. */
  categories: readonly string[];
}

export function localErrors(d: RuleDraft, ctx: DraftContext): FieldErrors {
  const out: FieldErrors = {};
  if (d.name.trim() === '') out.name = 'give the rule a name';
  out.conditions = d.conditions.length === 0 ? 'a rule needs at least one condition' : '';
  if (out.conditions === '') delete out.conditions;
  Object.assign(out, actionRowErrors(d.actions, ctx));
  let categoryRows = 0;
  d.actions.forEach((a, i) => {
    if (a.type !== 'set-category') return;
    categoryRows += 1;
    if (categoryRows > 1) out[`actions.${i}.type`] = 'a rule sets one category';
  });
  return out;
}

/** Errors of action rows the window can see: a folder not on the server, an unknown category. */
export function actionRowErrors(rows: readonly ActionDraft[], ctx: DraftContext): FieldErrors {
  const out: FieldErrors = {};
  const paths = ctx.folders && new Set(ctx.folders.map((f) => f.path));
  rows.forEach((a, i) => {
    const key = `actions.${i}.arg`;
    switch (actionArg(a.type)) {
      case 'folder':
        if (a.arg === '') out[key] = 'choose a folder';
        else if (paths && !paths.has(a.arg))
          out[key] = `folder ${a.arg} does not exist on ${ctx.accountId}`;
        break;
      case 'category':
        if (a.arg === '') out[key] = 'choose a category';
        else if (!ctx.categories.includes(a.arg)) out[key] = `no category named "${a.arg}"`;
        break;
      case 'keyword':
        if (a.arg.trim() === '') out[key] = 'type a keyword';
        break;
      case 'label':
        if (a.arg.trim() === '') out[key] = 'type a label';
        break;
      case 'none':
        break;
    }
  });
  return out;
}

/** Local errors first (they say it better), then the validator's for the remaining fields. */
export function mergeErrors(local: FieldErrors, remote: FieldErrors): FieldErrors {
  return { ...remote, ...local };
}

/** A name as an id: lower case, runs of anything else as one dash. */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s === '' ? 'rule' : s;
}

/** An id made from the name that no other rule has (activity and undo refer to rules by id). */
export function uniqueId(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = slug(name);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A copy placed right after the original: new id, "(copy)" name. */
export function duplicateRule(rules: readonly Rule[], index: number): Rule[] {
  const original = rules[index];
  if (!original) return [...rules];
  const name = `${original.name} (copy)`;
  const copy: Rule = { ...structuredClone(original), name, id: uniqueId(name, ids(rules)) };
  return [...rules.slice(0, index + 1), copy, ...rules.slice(index + 1)];
}

function ids(rules: readonly Rule[]): string[] {
  return rules.map((r) => r.id);
}

/** The list with the item at `from` moved to `to` (both clamped). */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  if (from < 0 || from >= out.length) return out;
  const target = Math.max(0, Math.min(out.length - 1, to));
  const [item] = out.splice(from, 1);
  out.splice(target, 0, item as T);
  return out;
}

/** Back at the index it had (or the end, if the list got shorter meanwhile). */
export function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  const out = [...list];
  out.splice(Math.min(index, out.length), 0, item);
  return out;
}

/** The saved list with the draft in place (`index` undefined: a new rule at the end). */
export function withDraft(rules: readonly Rule[], rule: Rule, index: number | undefined): Rule[] {
  if (index === undefined) return [...rules, rule];
  return rules.map((r, i) => (i === index ? rule : r));
}

/** Two drafts mean the same rule (row keys aside): is there anything to save? */
export function sameDraft(a: RuleDraft, b: RuleDraft): boolean {
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

function strip(d: RuleDraft): unknown {
  return {
    ...d,
    conditions: d.conditions.map(({ key: _key, ...c }) => c),
    actions: d.actions.map(({ key: _key, ...a }) => a),
  };
}

// ---------------------------------------------------------------------------------------------
// Summaries for the list

export function describeCondition(c: Condition): string {
  const field = c.field === 'header' ? `header ${c.header ?? '?'}` : fieldLabels[c.field];
  const v = c.value;
  const value = v === undefined ? '' : ` “${v}”`;
  return `${c.negate ? 'not ' : ''}${field} ${operatorLabels[c.op]}${value}`;
}

export function describeAction(a: Action): string {
  switch (a.type) {
    case 'move':
      return `move to ${a.folder}`;
    case 'copy':
      return `copy to ${a.folder}`;
    case 'add-keyword':
      return `add keyword ${a.keyword}`;
    case 'remove-keyword':
      return `remove keyword ${a.keyword}`;
    case 'gmail-label':
      return `label ${a.label}`;
    case 'flag':
      return 'flag';
    case 'mark-read':
      return 'mark read';
    case 'notify':
      return 'notify';
    case 'stop':
      return 'stop';
    default: {
      const unreachable: never = a;
      return unreachable;
    }
  }
}

export function describeActions(rule: Pick<Rule, 'actions' | 'category'>): string {
  const parts = rule.actions.map(describeAction);
  if (rule.category !== undefined) parts.push(`category ${rule.category}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** A rule taken out of the list, and where it was (in the list as it was then). */
export interface Deletion<T> {
  item: T;
  index: number;
}

/**
 * The list with every deletion put back where it was: undone newest first, each into the list
 * as it stood when it was deleted, so two quick deletes come back in their old order.
 */
export function restoreDeleted<T>(list: readonly T[], deletions: readonly Deletion<T>[]): T[] {
  let out = [...list];
  for (let k = deletions.length - 1; k >= 0; k--) {
    const d = deletions[k]!;
    out = insertAt(out, d.index, d.item);
  }
  return out;
}
