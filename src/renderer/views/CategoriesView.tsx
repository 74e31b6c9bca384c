import { useEffect, useRef, useState } from 'react';
import type { Category, Rule } from '../../shared/domain/rule';
import { firstClick } from '../clicks';
import { errorText } from '../format';
import { CategoryEditor } from '../categories/CategoryEditor';
import { CategoryTestPanel } from '../categories/CategoryTestPanel';
import {
  clearInRules,
  fromCategory,
  newCategoryDraft,
  rulesSetting,
  type CategoryDraft,
} from '../categories/draft';
import { describeActions, insertAt } from '../rules/draft';
import '../rules/rules.css';
import '../categories/categories.css';

interface Loaded {
  categories: Category[];
  rules: Rule[];
  accounts: string[];
}

interface Deleted {
  category: Category;
  index: number;
  /** The rules as they were, when deleting took the category out of some. */
  rules: Rule[] | undefined;
}

/**
 * Categories: what the classifier sorts mail into (a rule can set one; otherwise the language
 * model picks one from the descriptions), and what happens to a message in each.
 */
export function CategoriesView() {
  const [data, setData] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [saveError, setSaveError] = useState<string | undefined>();
  const [editing, setEditing] = useState<
    { draft: CategoryDraft; index: number | undefined; n: number } | undefined
  >();
  const [confirmDelete, setConfirmDelete] = useState<number | undefined>();
  const [deleted, setDeleted] = useState<Deleted | undefined>();
  const [announce, setAnnounce] = useState('');
  const [returnFocus, setReturnFocus] = useState<string | undefined>();
  const undoButton = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    let live = true;
    window.solon.settings.get().then(
      (s) =>
        live &&
        setData({
          categories: s.categories,
          rules: s.rules,
          accounts: s.accounts.map((a) => a.id),
        }),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  // After a delete, keyboard users land on Undo, the one thing they may want next (the row
  // that had the focus is gone).
  useEffect(() => {
    if (deleted) undoButton.current?.focus();
  }, [deleted]);

  useEffect(() => {
    if (editing || returnFocus === undefined) return;
    const target =
      returnFocus === 'new'
        ? document.querySelector<HTMLElement>('[data-action="new-category"]')
        : list.current?.querySelector<HTMLElement>(
            `[data-category="${CSS.escape(returnFocus)}"] [data-action="edit"]`,
          );
    target?.focus();
    setReturnFocus(undefined);
  }, [editing, returnFocus]);

  if (error) {
    return (
      <section className="editor-view categories-view" aria-label="Categories">
        <p role="alert" className="banner error">
          Could not load the categories: {error}
        </p>
      </section>
    );
  }
  if (!data) {
    return (
      <section className="editor-view categories-view" aria-label="Categories">
        <p className="muted">Loading…</p>
      </section>
    );
  }
  const { categories, rules } = data;

  async function commit(
    patch: { categories: Category[]; rules?: Rule[] },
    message: string,
  ): Promise<boolean> {
    setSaveError(undefined);
    try {
      const s = await window.solon.settings.update(patch);
      setData((d) => d && { ...d, categories: s.categories, rules: s.rules });
      setAnnounce(message);
      return true;
    } catch (e) {
      setSaveError(`Not saved: ${errorText(e)}`);
      return false;
    }
  }

  function remove(index: number): void {
    const category = categories[index];
    if (!category) return;
    const users = rulesSetting(rules, category.name);
    setConfirmDelete(undefined);
    void commit(
      users.length > 0
        ? {
            categories: categories.filter((_, i) => i !== index),
            rules: clearInRules(rules, category.name),
          }
        : { categories: categories.filter((_, i) => i !== index) },
      `Deleted “${category.name}”.`,
    ).then((ok) => {
      if (!ok) return;
      setDeleted({ category, index, rules: users.length > 0 ? rules : undefined });
    });
  }

  function undoDelete(): void {
    if (!deleted) return;
    const { category, index } = deleted;
    setDeleted(undefined);
    // The category first (a rule cannot name a missing one), then the rules, in one save.
    const restored = insertAt(categories, index, category);
    void commit(
      deleted.rules ? { categories: restored, rules: deleted.rules } : { categories: restored },
      `Restored “${category.name}”.`,
    ).then((ok) => ok && setReturnFocus(category.name));
  }

  if (editing) {
    return (
      <section className="editor-view categories-view" aria-label="Categories">
        <CategoryEditor
          key={editing.n}
          initial={editing.draft}
          index={editing.index}
          categories={categories}
          rules={rules}
          accounts={data.accounts}
          onSaved={(saved, index) => {
            setData((d) => d && { ...d, ...saved });
            setEditing((ed) => ed && { ...ed, index });
          }}
          onClose={() => {
            const name = editing.index === undefined ? undefined : categories[editing.index]?.name;
            setEditing(undefined);
            setReturnFocus(name ?? 'new');
          }}
        />
      </section>
    );
  }

  return (
    <section className="editor-view categories-view" aria-label="Categories">
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          data-action="new-category"
          onClick={() => {
            setDeleted(undefined);
            setEditing({ draft: newCategoryDraft(), index: undefined, n: Date.now() });
          }}
        >
          New category
        </button>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {announce}
      </p>
      {saveError && (
        <p role="alert" className="banner error">
          {saveError}
        </p>
      )}
      {deleted && (
        <div className="undo-bar" role="status">
          <span>
            Deleted “{deleted.category.name}”
            {deleted.rules ? ' and took it out of the rules that set it' : ''}.
          </span>
          <button ref={undoButton} type="button" onClick={undoDelete}>
            Undo
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => setDeleted(undefined)}
          >
            ×
          </button>
        </div>
      )}
      {categories.length === 0 && (
        <div className="empty">
          <p>No categories yet.</p>
          <p>
            A category is a kind of mail — receipts, newsletters, travel — with what to do with it.
            A rule can set one, or the language model (Settings) picks one from the descriptions.
          </p>
        </div>
      )}
      {categories.length > 0 && (
        <ul className="category-list" ref={list} aria-label="Categories">
          {categories.map((c, i) => {
            const users = rulesSetting(rules, c.name);
            return (
              <li key={c.name} className="category-row" data-category={c.name}>
                <div className="category-main">
                  <h2>{c.name}</h2>
                  <p className={c.description ? 'description' : 'muted'}>
                    {c.description || 'No description: the model has only the name to go on.'}
                  </p>
                  <p>
                    <span className="muted">Then:</span> {describeActions({ actions: c.actions })}
                  </p>
                  {users.length > 0 && (
                    <p className="muted">Set by: {users.map((r) => r.name).join(', ')}</p>
                  )}
                </div>
                <div className="rule-buttons">
                  <button
                    type="button"
                    data-action="edit"
                    aria-label={`Edit: ${c.name}`}
                    onClick={() => {
                      setDeleted(undefined);
                      setConfirmDelete(undefined);
                      setEditing({ draft: fromCategory(c), index: i, n: Date.now() });
                    }}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete: ${c.name}`}
                    onClick={firstClick(() => (users.length > 0 ? setConfirmDelete(i) : remove(i)))}
                  >
                    Delete
                  </button>
                </div>
                {confirmDelete === i && (
                  <div className="confirm" role="alertdialog" aria-label={`Delete ${c.name}`}>
                    <p>
                      {users.length === 1 ? 'The rule' : `${users.length} rules`}{' '}
                      {users.map((r) => `“${r.name}”`).join(', ')}{' '}
                      {users.length === 1 ? 'sets' : 'set'} this category. Deleting it takes it out
                      of {users.length === 1 ? 'that rule; its' : 'those rules; their'} other
                      actions stay.
                    </p>
                    <div className="buttons">
                      <button type="button" className="danger" onClick={() => remove(i)}>
                        Delete and update the rules
                      </button>
                      <button type="button" autoFocus onClick={() => setConfirmDelete(undefined)}>
                        Cancel
                      </button>
                    </div>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <CategoryTestPanel accounts={data.accounts} categories={undefined} />
    </section>
  );
}
