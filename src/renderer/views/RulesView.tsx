import { useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { Rule } from '../../shared/domain/rule';
import { firstClick } from '../clicks';
import { errorText } from '../format';
import { RuleEditor } from '../rules/RuleEditor';
import {
  describeActions,
  describeCondition,
  duplicateRule,
  fromRule,
  moveItem,
  restoreDeleted,
  type Deletion,
  newRuleDraft,
  type RuleDraft,
} from '../rules/draft';
import '../rules/rules.css';

interface Loaded {
  rules: Rule[];
  categories: string[];
  accounts: string[];
}

/**
 * The rules, in the order they run: turn one on or off, reorder (drag, the arrow buttons, or
 * Alt+↑/↓ on a row), duplicate, delete with undo, and the editor for a new or existing rule.
 * Every change of the list is saved at once (settings.update), like a settings pane.
 */
export function RulesView() {
  const [data, setData] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState<
    { draft: RuleDraft; index: number | undefined; n: number } | undefined
  >();
  // Every delete since the bar was last dismissed: a double click deletes twice (the next row
  // moves under the pointer), and both must come back with one Undo.
  const [deleted, setDeleted] = useState<Deletion<Rule>[]>([]);
  const [announce, setAnnounce] = useState('');
  const [saveError, setSaveError] = useState<string | undefined>();
  const [drag, setDrag] = useState<{ from: number; to: number | undefined } | undefined>();
  const [returnFocus, setReturnFocus] = useState<string | undefined>();
  const list = useRef<HTMLOListElement>(null);
  const undoButton = useRef<HTMLButtonElement>(null);
  const focusAfter = useRef<HTMLElement | null>(null);

  useEffect(() => {
    let live = true;
    window.solon.settings.get().then(
      (s) =>
        live &&
        setData({
          rules: s.rules,
          categories: s.categories.map((c) => c.name),
          accounts: s.accounts.map((a) => a.id),
        }),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  // After a reorder React moves rows around, which can drop the focus: put it back.
  useEffect(() => {
    const el = focusAfter.current;
    focusAfter.current = null;
    if (el?.isConnected && document.activeElement !== el) el.focus();
  });

  // After a delete, keyboard users land on Undo, the one thing they may want next (the row
  // that had the focus is gone).
  useEffect(() => {
    if (deleted.length > 0) undoButton.current?.focus();
  }, [deleted]);

  useEffect(() => {
    if (editing || returnFocus === undefined) return;
    const target =
      returnFocus === 'new'
        ? document.querySelector<HTMLElement>('[data-action="new"]')
        : list.current?.querySelector<HTMLElement>(
            `[data-rule="${CSS.escape(returnFocus)}"] [data-action="edit"]`,
          );
    target?.focus();
    setReturnFocus(undefined);
  }, [editing, returnFocus]);

  if (error) {
    return (
      <section className="editor-view rules-view" aria-label="Rules">
        <p role="alert" className="banner error">
          Could not load the rules: {error}
        </p>
      </section>
    );
  }
  if (!data) {
    return (
      <section className="editor-view rules-view" aria-label="Rules">
        <p className="muted">Loading…</p>
      </section>
    );
  }
  const { rules } = data;

  /** Save a new list at once; on failure the old one comes back with the reason. */
  async function commit(next: Rule[], message: string): Promise<boolean> {
    const before = rules;
    setData((d) => d && { ...d, rules: next });
    setSaveError(undefined);
    try {
      const saved = await window.solon.settings.update({ rules: next });
      setData((d) => d && { ...d, rules: saved.rules });
      setAnnounce(message);
      return true;
    } catch (e) {
      setData((d) => d && { ...d, rules: before });
      setSaveError(`Not saved: ${errorText(e)}`);
      return false;
    }
  }

  function move(from: number, to: number): void {
    const rule = rules[from];
    if (!rule || to < 0 || to >= rules.length || to === from) return;
    if (document.activeElement instanceof HTMLElement) focusAfter.current = document.activeElement;
    void commit(
      moveItem(rules, from, to),
      `Moved “${rule.name}” to position ${to + 1} of ${rules.length}.`,
    );
  }

  function remove(index: number): void {
    const rule = rules[index];
    if (!rule) return;
    void commit(
      rules.filter((_, i) => i !== index),
      `Deleted “${rule.name}”.`,
    ).then((ok) => {
      if (!ok) return;
      setDeleted((d) => [...d, { item: rule, index }]);
    });
  }

  function undoDelete(): void {
    if (deleted.length === 0) return;
    setDeleted([]);
    const first = deleted[0]!.item;
    void commit(
      restoreDeleted(rules, deleted),
      `Restored ${deleted.map((d) => `“${d.item.name}”`).join(', ')}.`,
    ).then((ok) => ok && setReturnFocus(first.id));
  }

  function onRowKey(e: KeyboardEvent<HTMLLIElement>, i: number): void {
    if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    move(i, e.key === 'ArrowUp' ? i - 1 : i + 1);
  }

  function onDragOver(e: DragEvent<HTMLLIElement>, i: number): void {
    if (!drag) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    const box = e.currentTarget.getBoundingClientRect();
    const to = e.clientY > box.top + box.height / 2 ? i + 1 : i;
    if (to !== drag.to) setDrag({ ...drag, to });
  }

  function onDrop(e: DragEvent): void {
    e.preventDefault();
    if (!drag || drag.to === undefined) return;
    // `to` is a gap between rows; the row leaves its own place first.
    const to = drag.to > drag.from ? drag.to - 1 : drag.to;
    setDrag(undefined);
    move(drag.from, to);
  }

  if (editing) {
    return (
      <section className="editor-view rules-view" aria-label="Rules">
        <RuleEditor
          key={editing.n}
          initial={editing.draft}
          index={editing.index}
          rules={rules}
          categories={data.categories}
          accounts={data.accounts}
          onSaved={(next, index) => {
            setData((d) => d && { ...d, rules: next });
            setEditing((ed) => ed && { ...ed, index });
          }}
          onClose={() => {
            const id = editing.index === undefined ? 'new' : rules[editing.index]?.id;
            setEditing(undefined);
            setReturnFocus(id ?? 'new');
          }}
        />
      </section>
    );
  }

  const openNew = (): void => {
    setDeleted([]);
    setEditing({ draft: newRuleDraft(), index: undefined, n: Date.now() });
  };

  return (
    <section className="editor-view rules-view" aria-label="Rules">
      <div className="toolbar">
        <button type="button" className="primary" data-action="new" onClick={openNew}>
          New rule
        </button>
        {rules.length > 1 && (
          <span className="muted">
            Rules run top to bottom. Drag a rule, or press Alt+↑ or Alt+↓ on it, to reorder.
          </span>
        )}
      </div>
      <p className="visually-hidden" aria-live="polite" data-testid="announce">
        {announce}
      </p>
      {saveError && (
        <p role="alert" className="banner error">
          {saveError}
        </p>
      )}
      {deleted.length > 0 && (
        <div className="undo-bar" role="status">
          <span>
            Deleted {deleted.length > 1 ? `${deleted.length} rules: ` : ''}
            {deleted.map((d) => `“${d.item.name}”`).join(', ')}.
          </span>
          <button ref={undoButton} type="button" onClick={undoDelete}>
            Undo
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => setDeleted([])}
          >
            ×
          </button>
        </div>
      )}
      {rules.length === 0 && (
        <div className="empty">
          <p>No rules yet. Mail is left where it arrives until you add one.</p>
          <p>
            A rule looks at each new message (sender, subject, list, size…) and says what to do with
            it: move it to a folder, flag it, mark it read.
          </p>
        </div>
      )}
      {rules.length > 0 && (
        <ol
          className="rule-list"
          ref={list}
          aria-label="Rules, in the order they run"
          onDragOver={(e) => drag && e.preventDefault()}
          onDrop={onDrop}
        >
          {rules.map((r, i) => {
            const classes = ['rule-row'];
            if (drag?.from === i) classes.push('dragging');
            if (drag?.to === i && drag.from !== i && drag.from !== i - 1)
              classes.push('drop-before');
            if (i === rules.length - 1 && drag?.to === rules.length && drag.from !== i)
              classes.push('drop-after');
            if (!r.enabled) classes.push('off');
            return (
              <li
                key={r.id}
                className={classes.join(' ')}
                data-rule={r.id}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.effectAllowed = 'move';
                  e.dataTransfer.setData('text/plain', r.id);
                  setDrag({ from: i, to: undefined });
                }}
                onDragOver={(e) => onDragOver(e, i)}
                onDragEnd={() => setDrag(undefined)}
                onKeyDown={(e) => onRowKey(e, i)}
              >
                <span className="drag-handle" aria-hidden="true" title="Drag to reorder">
                  ⠿
                </span>
                <span className="rule-pos" aria-hidden="true">
                  {i + 1}
                </span>
                <label className="check rule-enabled">
                  <input
                    type="checkbox"
                    checked={r.enabled}
                    aria-label={`Enabled: ${r.name}`}
                    onChange={(e) =>
                      void commit(
                        rules.map((x, j) => (j === i ? { ...x, enabled: e.target.checked } : x)),
                        `“${r.name}” is ${e.target.checked ? 'on' : 'off'}.`,
                      )
                    }
                  />
                </label>
                <div className="rule-main">
                  <h2>
                    {r.name}
                    {!r.enabled && <span className="badge">Off</span>}
                  </h2>
                  <p className="muted">
                    When {r.match === 'any' ? 'any' : 'all'} of:{' '}
                    {r.conditions.map(describeCondition).join('; ')}
                  </p>
                  <p>Then: {describeActions(r)}</p>
                </div>
                <div className="rule-buttons">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Move up: ${r.name}`}
                    title="Move up (Alt+↑)"
                    aria-disabled={i === 0}
                    onClick={() => move(i, i - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Move down: ${r.name}`}
                    title="Move down (Alt+↓)"
                    aria-disabled={i === rules.length - 1}
                    onClick={() => move(i, i + 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    data-action="edit"
                    aria-label={`Edit: ${r.name}`}
                    onClick={() => {
                      setDeleted([]);
                      setEditing({ draft: fromRule(r), index: i, n: Date.now() });
                    }}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    aria-label={`Duplicate: ${r.name}`}
                    onClick={firstClick(
                      () => void commit(duplicateRule(rules, i), `Duplicated “${r.name}”.`),
                    )}
                  >
                    Duplicate
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete: ${r.name}`}
                    onClick={firstClick(() => remove(i))}
                  >
                    Delete
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
