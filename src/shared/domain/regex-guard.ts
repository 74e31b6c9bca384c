import { RE2JS, RE2JSSyntaxException } from 're2js';
import { Rule, type Condition, type ConditionField, type ConditionOperator } from './rule.js';

/**
 * Rule regexes come from users (and from configs shared between users), and they run against
 * every incoming message on the hot path. A backtracking engine (JS RegExp) can take exponential
 * time on patterns like `(a+)+$`, and no syntactic heuristic catches every polynomial blow-up
 * either (`a*a*a*a*b` is O(n⁴) to backtrack). So `matches` never uses RegExp: patterns are
 * compiled and run by RE2JS, whose automata run in time linear in the input. The price is RE2
 * syntax: no lookaround, no backreferences, no possessive quantifiers — refused here with an
 * error that says so.
 */

/** Longest pattern source accepted; keeps configs reviewable and compile time trivial. */
export const MAX_REGEX_LENGTH = 1000;
/**
 * Largest compiled program accepted. Matching is linear in the input but scales with program
 * size (`[a-z]{1000}` is ~1000 instructions); this keeps one rule from costing milliseconds
 * per message.
 */
export const MAX_REGEX_PROGRAM = 2000;

export type RegexCheck = { ok: true } | { ok: false; error: string };
export type CompiledRegex = { ok: true; regex: RE2JS } | { ok: false; error: string };

const SYNTAX_HINT = 'Solon uses RE2 syntax, which runs in linear time';

function describeSyntaxError(e: RE2JSSyntaxException, source: string): string {
  const code = e.error;
  let at = e.input ?? '';
  // RE2JS implements CASE_INSENSITIVE by prefixing `(?i)`, which then shows up in the fragment.
  if (at.startsWith('(?i)') && !source.startsWith('(?i)')) at = at.slice(4);
  switch (code) {
    case 'invalid or unsupported Perl syntax':
      if (at.startsWith('(?=')) return `lookahead \`(?=…)\` is not supported (${SYNTAX_HINT})`;
      if (at.startsWith('(?!'))
        return `negative lookahead \`(?!…)\` is not supported (${SYNTAX_HINT})`;
      return `\`${at}\` is not supported (${SYNTAX_HINT})`;
    case 'invalid named capture':
      if (at.startsWith('(?<=')) return `lookbehind \`(?<=…)\` is not supported (${SYNTAX_HINT})`;
      if (at.startsWith('(?<!'))
        return `negative lookbehind \`(?<!…)\` is not supported (${SYNTAX_HINT})`;
      return `invalid named group \`${at}\``;
    case 'invalid escape sequence':
      if (/^\\[1-9]/.test(at)) return `backreference \`${at}\` is not supported (${SYNTAX_HINT})`;
      if (at.startsWith('\\k'))
        return `named backreference \`\\k<…>\` is not supported (${SYNTAX_HINT})`;
      if (at.startsWith('\\u')) return 'escape `\\uXXXX` is not supported: write `\\x{XXXX}`';
      if (at.startsWith('\\Z')) return 'escape `\\Z` is not supported: use `\\z` or `$`';
      return `invalid escape sequence \`${at}\``;
    case 'invalid nested repetition operator':
      if (at.endsWith('+'))
        return `possessive quantifier \`${at}\` is not supported (${SYNTAX_HINT})`;
      return `nested repetition \`${at}\` is not allowed`;
    case 'invalid repeat count': {
      const m = /^\{(\d+),(\d+)\}$/.exec(at);
      if (m && Number(m[1]) > Number(m[2]))
        return `repeat count \`${at}\` has its minimum above its maximum`;
      return `repeat count \`${at}\` is too large (at most 1000, nested repeats multiplied)`;
    }
    default:
      return at === '' ? code : `${code}: \`${at}\``;
  }
}

function compileUncached(source: string, caseSensitive: boolean): CompiledRegex {
  if (source.length === 0) return { ok: false, error: 'the regex is empty' };
  if (source.length > MAX_REGEX_LENGTH) {
    return {
      ok: false,
      error: `the regex is too long (${source.length} characters, at most ${MAX_REGEX_LENGTH})`,
    };
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(source, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException)
      return { ok: false, error: describeSyntaxError(e, source) };
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const size = regex.programSize();
  if (size > MAX_REGEX_PROGRAM) {
    return {
      ok: false,
      error: `the regex is too complex (${size} instructions, at most ${MAX_REGEX_PROGRAM}): use smaller repeat counts`,
    };
  }
  return { ok: true, regex };
}

// The same few sources are checked at save time and compiled again for every rules reload;
// a small cache makes both free. Bounded because sources can come from untrusted configs.
const CACHE_LIMIT = 512;
const cache = new Map<string, CompiledRegex>();

/**
 * Compiles a `matches` pattern exactly as the evaluator runs it: RE2 syntax, unanchored search,
 * case-insensitive unless `caseSensitive`. Never throws.
 */
export function compileRegex(source: string, caseSensitive: boolean): CompiledRegex {
  const key = (caseSensitive ? 's:' : 'i:') + source;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const compiled = compileUncached(source, caseSensitive);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, compiled);
  return compiled;
}

/** Used when a rule is saved: does this pattern compile under RE2 within the size limits? */
export function checkRegex(source: string, caseSensitive: boolean): RegexCheck {
  const compiled = compileRegex(source, caseSensitive);
  return compiled.ok ? { ok: true } : { ok: false, error: compiled.error };
}

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(?:([kmg])i?)?b?$/i;
const SIZE_UNITS = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/**
 * A size in bytes: a non-negative number, or text like "500", "10k", "2M", "1.5MB", "3GiB".
 * Units are binary (K = 1024), as in Sieve's size test (RFC 5228 §2.4.2), so an exported
 * rule means the same thing there.
 */
export function parseSize(value: string | number | undefined): number | undefined {
  // Beyond 2^53 a number is no longer exact (and no message is that large): refused.
  const exact = (n: number): number | undefined =>
    Number.isFinite(n) && n >= 0 && n <= Number.MAX_SAFE_INTEGER ? n : undefined;
  if (typeof value === 'number') return exact(value);
  if (value === undefined) return undefined;
  const m = SIZE_PATTERN.exec(value.trim());
  if (m === null) return undefined;
  const unit = m[2]?.toLowerCase() as keyof typeof SIZE_UNITS | undefined;
  return exact(Math.round(Number(m[1]) * (unit === undefined ? 1 : SIZE_UNITS[unit])));
}

const TEXT_OPS = ['contains', 'equals', 'starts-with', 'ends-with', 'matches'] as const;

/** Which operators make sense for a field. */
export function operatorsFor(field: ConditionField): readonly ConditionOperator[] {
  switch (field) {
    case 'size':
      return ['greater-than', 'less-than'];
    case 'has-attachment':
      return ['exists'];
    case 'from':
    case 'to':
    case 'cc':
    case 'subject':
    case 'header':
    case 'body':
    case 'list-id':
    case 'attachment-name':
    case 'attachment-type':
      return [...TEXT_OPS, 'exists'];
    default: {
      const unreachable: never = field;
      return unreachable;
    }
  }
}

export interface ConditionProblem {
  /** The condition property at fault; becomes the last segment of the error path. */
  key: 'op' | 'value' | 'header';
  message: string;
}

// RFC 5322 §3.6.8: printable US-ASCII except the colon.
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * What is wrong with a condition that zod's shape check lets through. The evaluator treats a
 * condition with any problem as never matching, so this is also the run-time definition of valid.
 */
export function conditionProblems(c: Condition): ConditionProblem[] {
  const problems: ConditionProblem[] = [];
  if (c.field === 'header') {
    if (c.header === undefined || c.header === '') {
      problems.push({ key: 'header', message: 'a header condition needs a header name' });
    } else if (!HEADER_NAME.test(c.header)) {
      problems.push({
        key: 'header',
        message: `"${c.header}" is not a header name (no spaces or colon)`,
      });
    }
  }
  const allowed = operatorsFor(c.field);
  if (!allowed.includes(c.op)) {
    const hint = c.field === 'has-attachment' ? ' (negate it for "no attachment")' : '';
    problems.push({
      key: 'op',
      message: `${c.field} supports only ${allowed.join(', ')}, not ${c.op}${hint}`,
    });
    // The value's meaning depends on the operator, so checking it now would only add noise.
    return problems;
  }
  const { value } = c;
  switch (c.op) {
    case 'contains':
    case 'equals':
    case 'starts-with':
    case 'ends-with':
    case 'matches':
      if (typeof value !== 'string') {
        problems.push({
          key: 'value',
          message:
            value === undefined
              ? `${c.op} needs a value`
              : `${c.op} needs text, not a number (quote it)`,
        });
      } else if (value === '') {
        problems.push({ key: 'value', message: `${c.op} needs a non-empty value` });
      } else if (c.op === 'matches') {
        const check = checkRegex(value, c.caseSensitive);
        if (!check.ok) problems.push({ key: 'value', message: check.error });
      }
      break;
    case 'exists':
      if (value !== undefined) {
        problems.push({ key: 'value', message: 'exists takes no value' });
      }
      break;
    case 'greater-than':
    case 'less-than':
      if (parseSize(value) === undefined) {
        problems.push({
          key: 'value',
          message: `${c.op} needs a size in bytes, e.g. 50000, "10k" or "2M"`,
        });
      }
      break;
    default: {
      const unreachable: never = c.op;
      throw new Error(`unknown operator ${String(unreachable)}`);
    }
  }
  return problems;
}

export interface RuleError {
  /** Where, e.g. `rules[2].conditions[0].value`. */
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'rules';
  for (const seg of path) {
    out += typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`;
  }
  return out;
}

/**
 * Validates a whole rule list as it is about to be saved: zod shape, then what zod cannot say
 * (operator fits field, value fits operator, regex compiles under RE2, ids unique). Reports
 * every error at once so a form can mark all its bad fields.
 */
export function validateRules(
  rules: unknown,
): { ok: true; rules: Rule[] } | { ok: false; errors: RuleError[] } {
  if (!Array.isArray(rules)) {
    return { ok: false, errors: [{ path: 'rules', message: 'expected a list of rules' }] };
  }
  const parsed: Rule[] = [];
  const errors: RuleError[] = [];
  const firstIndexOfId = new Map<string, number>();
  rules.forEach((raw: unknown, i) => {
    const result = Rule.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        errors.push({ path: formatPath([i, ...issue.path]), message: issue.message });
      }
      return;
    }
    const rule = result.data;
    const earlier = firstIndexOfId.get(rule.id);
    if (earlier === undefined) {
      firstIndexOfId.set(rule.id, i);
    } else {
      // Activity entries and undo refer to rules by id, so two rules cannot share one.
      errors.push({
        path: formatPath([i, 'id']),
        message: `duplicate rule id "${rule.id}" (also rules[${earlier}])`,
      });
    }
    rule.conditions.forEach((c, j) => {
      for (const p of conditionProblems(c)) {
        errors.push({ path: formatPath([i, 'conditions', j, p.key]), message: p.message });
      }
    });
    parsed.push(rule);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rules: parsed };
}
