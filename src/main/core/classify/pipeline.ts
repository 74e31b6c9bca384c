import type { Category, Rule } from '../../../shared/domain/rule.js';
import type { MessageView } from '../mail/message-view.js';
import { evaluateRules } from '../rules/evaluate.js';
import { planActions, type Plan } from './plan.js';

export interface Classified {
  rules: { id: string; name: string }[];
  category: string | undefined;
  /**
   * What the categorizer said when it was asked and chose nothing, or why it could not answer
   * ("classifier: timed out after 60 s"). Goes into the activity entry; never an error.
   */
  note?: string;
  /** The categorizer was cut short (the watcher is stopping): this decision must not be acted on. */
  aborted?: boolean;
  plan: Plan;
}

/** `signal` aborts when the watcher stops: a slow classification then ends early (no category). */
export type Classifier = (view: MessageView, signal?: AbortSignal) => Promise<Classified>;

/** A categorizer's answer: a category, or none with the reason why. */
export interface Categorized {
  /** One of the categories' names, or undefined to leave the message alone. */
  category?: string;
  /** Why there is no category (or a remark about the one given), for the activity log. */
  note?: string;
  /** Set when `signal` aborted before an answer: no decision was made. */
  aborted?: boolean;
}

/**
 * Picks a category for a message no rule decided (the LLM classifier plugs in here). Must not
 * throw for a model's misbehaviour: fail open, `{ note: why }`. When `signal` aborts (the
 * watcher is stopping), answer at once without a category.
 */
export type Categorizer = (
  view: MessageView,
  categories: Category[],
  signal?: AbortSignal,
) => Promise<Categorized>;

/**
 * The classification pipeline (DESIGN.md §2): rules in order (a rule may act, set a category,
 * and stop) → if no rule decided (see Decision.decided) and a categorizer is configured, ask
 * it → the category's actions run after the rules' own. A category the categorizer names that
 * is not one of ours is ignored (noted), never acted on.
 */
export function createClassifier(opts: {
  rules: Rule[];
  categories: Category[];
  mailbox: string;
  categorize?: Categorizer;
}): Classifier {
  const byName = new Map(opts.categories.map((c) => [c.name, c]));
  return async (view, signal) => {
    const decision = evaluateRules(opts.rules, view);
    let category = decision.category;
    let note: string | undefined;
    let aborted = false;
    if (!decision.decided && opts.categorize && opts.categories.length > 0) {
      const answer = await opts.categorize(view, opts.categories, signal);
      note = answer.note;
      aborted = answer.aborted === true;
      if (answer.category !== undefined && !byName.has(answer.category))
        note = `categorizer named an unknown category "${answer.category}"; left as it is`;
      else category = answer.category;
    }
    const actions = [
      ...decision.actions,
      ...(category ? (byName.get(category)?.actions ?? []) : []),
    ];
    return {
      rules: decision.matched,
      category,
      ...(note !== undefined ? { note } : {}),
      ...(aborted ? { aborted } : {}),
      plan: planActions(actions, { flags: view.flags, mailbox: opts.mailbox }),
    };
  };
}
