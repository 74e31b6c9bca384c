// Generates an imapfilter (Debian imapfilter 2.8) config.lua that runs the same rules as Solon:
// each rule becomes a server-side search (contain_field → UID SEARCH HEADER, contain_body →
// SEARCH BODY, size → LARGER/SMALLER; `any` is a union, `all` an intersection, `negate` a difference from select_all),
// then move_messages (COPY + STORE \Deleted + EXPUNGE: imapfilter has no MOVE). Rules run in
// order over what is still in the mailbox, which is first-match-wins when every rule moves and
// stops — the only shape accepted here; anything else throws rather than run different rules.
// Pure (unit-tested in test/unit/bench/imapfilter-config.test.ts).
import type { RuleInput } from '../../src/shared/domain/rule.js';

export interface ImapfilterConfigOptions {
  /** Host name to connect to; it must match the server certificate (hostnames = true). */
  server: string;
  /** Implicit-TLS port. */
  port: number;
  username: string;
  /** Environment variable holding the password (read by Lua's os.getenv: never in the file). */
  passwordEnv: string;
  mailbox: string;
  rules: readonly RuleInput[];
  /** once: sort and exit. watch: sort, then enter_idle and sort after each wake, forever. */
  mode: 'once' | 'watch';
}

/** A Lua string literal for any text (quotes, backslashes, control bytes escaped). */
export function luaString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, 'utf8')) {
    if (ch === 0x22) out += '\\"';
    else if (ch === 0x5c) out += '\\\\';
    else if (ch >= 0x20 && ch < 0x7f) out += String.fromCharCode(ch);
    else out += `\\${String(ch).padStart(3, '0')}`; // Lua decimal escape: \ddd
  }
  return out + '"';
}

type Cond = RuleInput['conditions'][number];

/** The header a condition searches, or undefined for the body. */
function searchTarget(c: Cond, ruleId: string): { header: string } | { body: true } {
  switch (c.field) {
    case 'list-id':
      return { header: 'List-Id' };
    case 'subject':
      return { header: 'Subject' };
    case 'from':
      return { header: 'From' };
    case 'to':
      return { header: 'To' };
    case 'cc':
      return { header: 'Cc' };
    case 'header':
      if (!c.header) throw new Error(`rule ${ruleId}: a header condition without a header name`);
      return { header: c.header };
    case 'body':
      return { body: true };
    case 'has-attachment':
    case 'attachment-name':
    case 'attachment-type':
    case 'size':
      throw new Error(`rule ${ruleId}: imapfilter has no server-side search for "${c.field}"`);
    default: {
      const unknown: never = c.field;
      throw new Error(`rule ${ruleId}: unknown field ${String(unknown)}`);
    }
  }
}

function conditionExpr(c: Cond, box: string, ruleId: string): string {
  if (c.field === 'size') {
    // RFC822.SIZE > n is SEARCH LARGER n (is_larger), < n is SMALLER n (is_smaller).
    const n = c.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new Error(`rule ${ruleId}: size needs a whole number of bytes`);
    if (c.op !== 'greater-than' && c.op !== 'less-than')
      throw new Error(`rule ${ruleId}: size ${c.op} has no imapfilter equivalent`);
    const search = `${box}:${c.op === 'greater-than' ? 'is_larger' : 'is_smaller'}(${n})`;
    return c.negate ? `(${box}:select_all() - ${search})` : search;
  }
  const t = searchTarget(c, ruleId);
  if (c.op !== 'contains')
    throw new Error(
      `rule ${ruleId}: only "contains" has an exact imapfilter equivalent (got ${c.op})`,
    );
  if (c.caseSensitive)
    throw new Error(
      `rule ${ruleId}: IMAP SEARCH is case-insensitive; caseSensitive has no equivalent`,
    );
  if (c.value === undefined || c.value === '')
    throw new Error(`rule ${ruleId}: a contains condition needs a value`);
  const value = luaString(String(c.value));
  const search =
    'body' in t
      ? `${box}:contain_body(${value})`
      : `${box}:contain_field(${luaString(t.header)}, ${value})`;
  return c.negate ? `(${box}:select_all() - ${search})` : search;
}

/** The Lua for one rule: `local r = <search>; r:move_messages(account[folder])`. */
export function ruleLua(rule: RuleInput, box: string, account: string): string {
  if (rule.enabled === false) return `  -- ${rule.id}: disabled`;
  const actions = rule.actions ?? [];
  const moves = actions.filter((a) => a.type === 'move');
  const others = actions.filter((a) => a.type !== 'move' && a.type !== 'stop');
  if (moves.length !== 1 || others.length > 0 || !actions.some((a) => a.type === 'stop'))
    throw new Error(
      `rule ${rule.id}: only "move + stop" rules run the same way in imapfilter (first match wins)`,
    );
  if (rule.category) throw new Error(`rule ${rule.id}: categories have no imapfilter equivalent`);
  if (rule.conditions.length === 0) throw new Error(`rule ${rule.id}: no conditions`);
  const op = rule.match === 'any' ? ' + ' : ' * ';
  const expr = rule.conditions.map((c) => conditionExpr(c, box, rule.id)).join(op);
  const folder = (moves[0] as { folder: string }).folder;
  return [
    `  -- ${rule.id.replace(/[\r\n]/g, ' ')}`,
    `  r = ${expr}`,
    `  r:move_messages(${account}[${luaString(folder)}])`,
  ].join('\n');
}

export function imapfilterConfig(o: ImapfilterConfigOptions): string {
  const body = o.rules.map((r) => ruleLua(r, 'box', 'account')).join('\n');
  const lines = [
    '-- Generated by bench/peers/imapfilter-config.ts: the bench rules, run by imapfilter.',
    'options.timeout = 60',
    'options.subscribe = false',
    'options.create = false',
    'options.namespace = false', // folder names as given ("Lists/fork"), separator "/"
    'options.info = false',
    'options.expunge = true',
    'options.certificates = false', // trust comes from -t CAFILE only, never from a prompt
    'options.hostnames = true',
    '',
    'account = IMAP {',
    `  server = ${luaString(o.server)},`,
    `  port = ${Math.trunc(o.port)},`,
    `  username = ${luaString(o.username)},`,
    `  password = os.getenv(${luaString(o.passwordEnv)}),`,
    "  ssl = 'auto',",
    '}',
    '',
    'function sort(box)',
    '  local r',
    body,
    'end',
    '',
    `local inbox = account[${luaString(o.mailbox)}]`,
    'sort(inbox)',
  ];
  if (o.mode === 'watch') {
    lines.push(
      "io.stderr:write('imapfilter: watching\\n')",
      'while true do',
      '  local ok = inbox:enter_idle()',
      "  if not ok then error('IDLE failed') end",
      '  sort(inbox)',
      "  io.stderr:write('imapfilter: sorted\\n')",
      'end',
    );
  } else {
    lines.push("io.stderr:write('imapfilter: done\\n')");
  }
  return lines.join('\n') + '\n';
}
