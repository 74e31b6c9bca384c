import type { Category, Rule } from '../../../shared/domain/rule.js';
import type { MessageView } from '../mail/message-view.js';
import { evaluateRules } from '../rules/evaluate.js';
import { planActions, type Plan } from './plan.js';

export interface Classified {
  rules: { id: string; name: string }[];
  category: string | undefined;
  plan: Plan;
}

export type Classifier = (view: MessageView) => Promise<Classified>;

/**
 * Picks a category for a message no rule decided (the LLM classifier plugs in here). Returns
 * undefined to leave the message alone. Must not throw for a model's misbehaviour: fail open.
 */
export type Categorizer = (
  view: MessageView,
  categories: Category[],
) => Promise<string | undefined>;

/**
 * The classification pipeline (DESIGN.md §2): rules in order (a rule may act, set a category,
 * and stop) → if no rule decided and a categorizer is configured, ask it → the category's
 * actions run after the rules' own.
 */
export function createClassifier(opts: {
  rules: Rule[];
  categories: Category[];
  mailbox: string;
  categorize?: Categorizer;
}): Classifier {
  const byName = new Map(opts.categories.map((c) => [c.name, c]));
  return async (view) => {
    const decision = evaluateRules(opts.rules, view);
    let category = decision.category;
    if (!decision.decided && opts.categorize && opts.categories.length > 0) {
      category = await opts.categorize(view, opts.categories);
    }
    const actions = [
      ...decision.actions,
      ...(category ? (byName.get(category)?.actions ?? []) : []),
    ];
    return {
      rules: decision.matched,
      category,
      plan: planActions(actions, { flags: view.flags, mailbox: opts.mailbox }),
    };
  };
}
