import { Condition, Rule, type RuleInput } from '../../../src/shared/domain/rule.js';
import type { Address, MessageView } from '../../../src/main/core/mail/message-view.js';

type MessageOverrides = Partial<Omit<MessageView, 'headers'>> & {
  /** Lower- or mixed-case names; a string is one occurrence, an array several. */
  headers?: Record<string, string | string[]>;
};

export const addr = (address: string, name = ''): Address => ({ name, address });

/** A plain message from Alice to Bob; override only what a test is about. */
export function makeMessage(overrides: MessageOverrides = {}): MessageView {
  const { headers = {}, ...rest } = overrides;
  const headerMap = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    headerMap.set(name.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  return {
    uid: 1,
    messageId: 'msg-1@example.org',
    from: [addr('alice@example.org', 'Alice Liddell')],
    to: [addr('bob@example.net', 'Bob')],
    cc: [],
    subject: 'Lunch on Friday?',
    date: new Date('2024-05-03T12:00:00Z'),
    size: 4_000,
    flags: [],
    headers: headerMap,
    text: 'Shall we try the new place on the corner?\nAlice',
    attachments: [],
    truncated: false,
    ...rest,
  };
}

/** A condition with zod's defaults filled in (negate false, case-insensitive). */
export const cond = (input: Partial<Condition> & Pick<Condition, 'field' | 'op'>): Condition =>
  Condition.parse(input);

let nextId = 0;

/** A rule with zod's defaults; id and name are generated unless given. */
export function makeRule(input: Partial<RuleInput> & Pick<RuleInput, 'conditions'>): Rule {
  nextId += 1;
  return Rule.parse({ id: `r${nextId}`, name: `rule ${nextId}`, ...input });
}
