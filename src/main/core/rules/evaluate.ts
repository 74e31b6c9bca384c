import type { Action, Condition, Rule } from '../../../shared/domain/rule.js';
import { compileRegex, conditionProblems, parseSize } from '../../../shared/domain/regex-guard.js';
import type { MessageView } from '../mail/message-view.js';

/** What the rules made of one message. */
export interface Decision {
  /** Every rule that matched, in evaluation order. */
  matched: { id: string; name: string }[];
  /** The first category a matching rule set. */
  category: string | undefined;
  /** The matching rules' actions, concatenated in order (a `stop` is kept, for the record). */
  actions: Action[];
  /**
   * A matching rule did something about the message: set a category, or had any action
   * (`stop` included). The LLM classifier is asked only when this is false.
   *
   * Why any action and not only a move: a user writes rules for mail they know, and a rule that
   * flags or notifies is their decision about that message; letting a model add its own move
   * on top would make the outcome depend on a guess the user did not ask for (and a model's
   * move after a rule's move would become a copy). A rule with only `stop` is how a user keeps
   * some mail from ever reaching the model. A matching rule with no action and no category did
   * nothing (typically a rule still being written) and decides nothing.
   */
  decided: boolean;
}

/**
 * Field values for one message, computed on first use and shared by every condition of every
 * rule, so twenty rules that look at the body lower-case it once.
 */
class Fields {
  private readonly raw = new Map<string, readonly string[]>();
  private readonly lower = new Map<string, readonly string[]>();

  constructor(readonly message: MessageView) {}

  values(key: string): readonly string[] {
    let v = this.raw.get(key);
    if (v === undefined) {
      v = extract(this.message, key);
      this.raw.set(key, v);
    }
    return v;
  }

  lowerValues(key: string): readonly string[] {
    let v = this.lower.get(key);
    if (v === undefined) {
      v = this.values(key).map((s) => s.toLowerCase());
      this.lower.set(key, v);
    }
    return v;
  }
}

const HEADER_PREFIX = 'header:';

function addressValues(list: MessageView['from']): string[] {
  const out: string[] = [];
  for (const { name, address } of list) {
    const n = name.trim();
    // Both forms, so `equals bob@x.org` and `contains "Bob Smith"` work alike.
    if (n !== '' && address !== '') out.push(`${n} <${address}>`);
    else if (n !== '') out.push(n);
    if (address !== '') out.push(address);
  }
  return out;
}

function listIdValues(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    out.push(v);
    // "Debian Devel <debian-devel.lists.debian.org>": people write rules against the id alone.
    const inner = /<([^<>]*)>/.exec(v)?.[1]?.trim();
    if (inner !== undefined && inner !== '') out.push(inner);
  }
  return out;
}

function extract(m: MessageView, key: string): readonly string[] {
  if (key.startsWith(HEADER_PREFIX)) return m.headers.get(key.slice(HEADER_PREFIX.length)) ?? [];
  switch (key) {
    case 'from':
      return addressValues(m.from);
    case 'to':
      return addressValues(m.to);
    case 'cc':
      return addressValues(m.cc);
    case 'subject':
      return [m.subject];
    case 'body':
      return [m.text];
    case 'list-id':
      return listIdValues(m.headers.get('list-id') ?? []);
    case 'attachment-name':
      return m.attachments.flatMap((a) => (a.filename === undefined ? [] : [a.filename]));
    case 'attachment-type':
      return m.attachments.map((a) => a.contentType);
    default:
      return [];
  }
}

type Test = (fields: Fields) => boolean;

const NEVER: Test = () => false;

/** The Fields key a text condition reads, or undefined for fields that are not text. */
function textKey(c: Condition): string | undefined {
  switch (c.field) {
    case 'from':
    case 'to':
    case 'cc':
    case 'subject':
    case 'body':
    case 'list-id':
    case 'attachment-name':
    case 'attachment-type':
      return c.field;
    case 'header':
      return HEADER_PREFIX + (c.header ?? '').toLowerCase();
    case 'has-attachment':
    case 'size':
      return undefined;
    default: {
      const unreachable: never = c.field;
      return unreachable;
    }
  }
}

function compileText(c: Condition, key: string): Test {
  const needleRaw = typeof c.value === 'number' ? String(c.value) : (c.value ?? '');
  const needle = c.caseSensitive ? needleRaw : needleRaw.toLowerCase();
  const read = c.caseSensitive ? (f: Fields) => f.values(key) : (f: Fields) => f.lowerValues(key);
  switch (c.op) {
    case 'contains':
      return (f) => read(f).some((v) => v.includes(needle));
    case 'equals':
      return (f) => read(f).some((v) => v === needle);
    case 'starts-with':
      return (f) => read(f).some((v) => v.startsWith(needle));
    case 'ends-with':
      return (f) => read(f).some((v) => v.endsWith(needle));
    case 'matches': {
      const compiled = compileRegex(needleRaw, c.caseSensitive);
      if (!compiled.ok) return NEVER;
      const { regex } = compiled;
      // The regex carries its own case flag, so it always sees the original text.
      return (f) => f.values(key).some((v) => regex.test(v));
    }
    case 'exists':
      return (f) => f.values(key).some((v) => v.trim() !== '');
    case 'greater-than':
    case 'less-than':
      return NEVER;
    default: {
      const unreachable: never = c.op;
      return unreachable;
    }
  }
}

function compileSize(c: Condition): Test {
  const limit = parseSize(c.value);
  if (limit === undefined) return NEVER;
  switch (c.op) {
    case 'greater-than':
      return (f) => f.message.size > limit;
    case 'less-than':
      return (f) => f.message.size < limit;
    case 'contains':
    case 'equals':
    case 'starts-with':
    case 'ends-with':
    case 'matches':
    case 'exists':
      return NEVER;
    default: {
      const unreachable: never = c.op;
      return unreachable;
    }
  }
}

function compileCondition(c: Condition): Test {
  // A condition that would not pass validation never matches — negated or not — so a
  // hand-edited config with a bad rule cannot make that rule fire on every message.
  if (conditionProblems(c).length > 0) return NEVER;
  let test: Test;
  if (c.field === 'has-attachment') {
    test = (f) => f.message.attachments.length > 0;
  } else if (c.field === 'size') {
    test = compileSize(c);
  } else {
    const key = textKey(c);
    test = key === undefined ? NEVER : compileText(c, key);
  }
  if (test === NEVER) return NEVER;
  return c.negate ? (f) => !test(f) : test;
}

// Keyed by the condition object: rules are parsed once when settings load and treated as
// immutable afterwards, so a rule edit arrives as new objects and misses the cache naturally.
const compiledConditions = new WeakMap<Condition, Test>();

function compiled(c: Condition): Test {
  let test = compiledConditions.get(c);
  if (test === undefined) {
    test = compileCondition(c);
    compiledConditions.set(c, test);
  }
  return test;
}

export function matchCondition(c: Condition, m: MessageView): boolean {
  return compiled(c)(new Fields(m));
}

function ruleMatches(rule: Rule, fields: Fields): boolean {
  // No conditions would make `all` vacuously true, i.e. "act on every message": never that
  // by accident (zod already refuses it; this guards unvalidated input).
  if (rule.conditions.length === 0) return false;
  return rule.match === 'any'
    ? rule.conditions.some((c) => compiled(c)(fields))
    : rule.conditions.every((c) => compiled(c)(fields));
}

export function evaluateRules(rules: readonly Rule[], m: MessageView): Decision {
  const fields = new Fields(m);
  const matched: Decision['matched'] = [];
  const actions: Action[] = [];
  let category: string | undefined;
  let decided = false;
  for (const rule of rules) {
    if (rule.enabled === false) continue;
    if (!ruleMatches(rule, fields)) continue;
    matched.push({ id: rule.id, name: rule.name });
    category ??= rule.category;
    actions.push(...rule.actions);
    if (rule.category !== undefined || rule.actions.length > 0) decided = true;
    // The whole rule's actions apply wherever `stop` sits in its list; stop only ends the
    // search for further rules (as Thunderbird's "stop filter execution" does).
    if (rule.actions.some((a) => a.type === 'stop')) break;
  }
  return { matched, category, actions, decided };
}
