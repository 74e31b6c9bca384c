import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { isSolonError } from '../../shared/contract';
import type { Rule } from '../../shared/domain/rule';
import { errorText } from '../format';
import { EditorHead } from './EditorHead';
import { ActionRows } from './ActionRows';
import { ConditionRows } from './ConditionRows';
import { FieldError, describedBy } from './FieldError';
import { RuleTryOut } from './RuleTryOut';
import {
  actionTypes,
  fieldKey,
  localErrors,
  mergeErrors,
  placeProblems,
  sameDraft,
  toRule,
  uniqueId,
  withDraft,
  type FieldErrors,
  type RuleDraft,
} from './draft';
import { useFolders } from './use-folders';

/** How long typing pauses before the draft is checked (rules.validate). */
const VALIDATE_DELAY_MS = 250;

const ruleActionTypes = actionTypes.map((t) => t.type);

/** Which row (by React key) an error key belongs to, for "show errors of fields touched". */
function ownerOf(key: string, d: RuleDraft): string {
  const m = /^(conditions|actions)\.(\d+)\./.exec(key);
  if (!m) return key;
  const rows = m[1] === 'conditions' ? d.conditions : d.actions;
  return rows[Number(m[2])]?.key ?? key;
}

export function RuleEditor(props: {
  initial: RuleDraft;
  /** Where the rule is in the saved list; undefined for a new rule (saved at the end). */
  index: number | undefined;
  /** The saved rules (the list a save replaces). */
  rules: readonly Rule[];
  categories: readonly string[];
  accounts: readonly string[];
  onSaved: (rules: Rule[], index: number) => void;
  onClose: () => void;
}) {
  const { rules, index } = props;
  const id = useId();
  const [draft, setDraft] = useState(props.initial);
  const [baseline, setBaseline] = useState(props.initial);
  const [accountId, setAccountId] = useState(props.accounts[0]);
  const { folders, reload } = useFolders(accountId);
  const [checked, setChecked] = useState<{ key: string; errors: FieldErrors }>({
    key: '',
    errors: {},
  });
  // A new rule starts quiet; an existing one shows what is wrong with it at once.
  const [showAll, setShowAll] = useState(props.index !== undefined);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [saving, setSaving] = useState(false);
  const [banner, setBanner] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [focusInvalid, setFocusInvalid] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const others = useMemo(
    () => rules.filter((_, i) => i !== index).map((r) => r.id),
    [rules, index],
  );
  // A new rule's id comes from its name (stable once saved: activity refers to it).
  const settled = useMemo(
    () => (draft.id === '' ? { ...draft, id: uniqueId(draft.name, others) } : draft),
    [draft, others],
  );
  const { rule, rowOf } = useMemo(() => toRule(settled), [settled]);
  const ruleKey = JSON.stringify(rule);

  useEffect(() => heading.current?.focus(), []);

  // Check the draft the way saving will, a moment after typing stops.
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      window.solon.rules.validate({ rules: [rule] }).then(
        (r) =>
          live && setChecked({ key: ruleKey, errors: placeProblems(r.errors, 0, settled, rowOf) }),
        (e: unknown) => live && setChecked({ key: ruleKey, errors: { form: errorText(e) } }),
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // ruleKey stands for rule, settled and rowOf: re-check only when the rule itself changes.
  }, [ruleKey]);

  const local = localErrors(draft, {
    folders: folders.state === 'ok' ? folders.folders : undefined,
    accountId: accountId ?? '',
    categories: props.categories,
  });
  const all = mergeErrors(local, checked.key === ruleKey ? checked.errors : {});
  const visible: FieldErrors = {};
  for (const [k, v] of Object.entries(all))
    if (showAll || k === 'form' || touched.has(ownerOf(k, draft))) visible[k] = v;
  const problems = Object.keys(visible).length;
  const dirty = !sameDraft(draft, baseline);
  // Preview and apply take the rule once the check has seen exactly this draft and found it fine.
  const ready = checked.key === ruleKey && Object.keys(all).length === 0;

  useEffect(() => {
    if (focusInvalid === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusInvalid]);

  function change(next: RuleDraft, touchedKeys: string[]): void {
    setDraft(next);
    setSaved(false);
    setTouched((t) => new Set([...t, ...touchedKeys]));
  }

  /**
   * Rows the user just edited (same key, new content). A row just added is not among them: its
   * blank fields are not mistakes yet.
   */
  function changedRows<T extends { key: string }>(before: T[], after: T[]): string[] {
    return after
      .filter((row) => {
        const was = before.find((b) => b.key === row.key);
        return was !== undefined && was !== row;
      })
      .map((row) => row.key);
  }

  async function save(e: FormEvent): Promise<void> {
    e.preventDefault();
    setShowAll(true);
    setBanner(undefined);
    if (Object.keys(all).length > 0) {
      setFocusInvalid((n) => n + 1);
      return;
    }
    setSaving(true);
    try {
      // The debounced check may not have seen the last keystroke: check now, then save.
      const check = await window.solon.rules.validate({ rules: [rule] });
      if (!check.ok) {
        setChecked({ key: ruleKey, errors: placeProblems(check.errors, 0, settled, rowOf) });
        setFocusInvalid((n) => n + 1);
        return;
      }
      const at = index ?? rules.length;
      const next = withDraft(rules, rule, index);
      const result = await window.solon.settings.update({ rules: next });
      const savedDraft = { ...draft, id: rule.id };
      setDraft(savedDraft);
      setBaseline(savedDraft);
      setSaved(true);
      props.onSaved(result.rules, at);
    } catch (err) {
      const key =
        isSolonError(err) && err.path !== undefined
          ? fieldKey(err.path, index ?? rules.length, settled, rowOf)
          : undefined;
      if (key !== undefined && key !== 'form') {
        setChecked({ key: ruleKey, errors: { [key]: errorText(err) } });
        setFocusInvalid((n) => n + 1);
      } else {
        setBanner(`Could not save: ${errorText(err)}`);
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="rule-editor">
      <EditorHead
        list="rules"
        what="rule"
        title={index === undefined ? 'New rule' : `Edit rule: ${baseline.name}`}
        heading={heading}
        dirty={dirty}
        leaving={leaving}
        setLeaving={setLeaving}
        onClose={props.onClose}
        banner={banner}
      />
      <form ref={form} className="box editor-form" onSubmit={(e) => void save(e)} noValidate>
        <div className="form-grid">
          <label htmlFor={`${id}-name`}>Name</label>
          <div>
            <input
              id={`${id}-name`}
              type="text"
              className="wide"
              value={draft.name}
              placeholder="e.g. Mailing lists"
              aria-invalid={visible.name !== undefined}
              aria-describedby={describedBy(visible, ['name'], `${id}-name`)}
              onChange={(e) => change({ ...draft, name: e.target.value }, ['name'])}
            />
            <FieldError errors={visible} keys={['name']} id={`${id}-name`} />
          </div>
          <span className="form-label">Status</span>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.enabled}
              onChange={(e) => change({ ...draft, enabled: e.target.checked }, [])}
            />
            <span>Enabled</span>
          </label>
          {props.accounts.length > 1 && (
            <>
              <label htmlFor={`${id}-account`}>Account</label>
              <div>
                <select
                  id={`${id}-account`}
                  value={accountId}
                  onChange={(e) => setAccountId(e.target.value)}
                >
                  {props.accounts.map((a) => (
                    <option key={a} value={a}>
                      {a}
                    </option>
                  ))}
                </select>
                <p className="muted field-hint">Folders and previews come from this account.</p>
              </div>
            </>
          )}
        </div>

        <fieldset>
          <legend>
            When{' '}
            <select
              aria-label="Match"
              value={draft.match}
              onChange={(e) => change({ ...draft, match: e.target.value as 'all' | 'any' }, [])}
            >
              <option value="all">all</option>
              <option value="any">any</option>
            </select>{' '}
            of these are true
          </legend>
          <ConditionRows
            rows={draft.conditions}
            errors={visible}
            onChange={(conditions) =>
              change({ ...draft, conditions }, changedRows(draft.conditions, conditions))
            }
          />
        </fieldset>

        <fieldset>
          <legend>Do this</legend>
          <ActionRows
            rows={draft.actions}
            errors={visible}
            types={ruleActionTypes}
            folders={folders}
            accountId={accountId}
            categories={props.categories}
            emptyText="No actions: the rule only matches (useful with Stop, or to set a category)."
            onReloadFolders={reload}
            onChange={(actions) =>
              change({ ...draft, actions }, changedRows(draft.actions, actions))
            }
          />
        </fieldset>

        <div className="form-foot">
          <button type="submit" className="primary" disabled={saving || problems > 0 || !dirty}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          <span role="status" className={problems > 0 ? 'field-error' : 'muted'}>
            {problems > 0
              ? `${problems === 1 ? 'One problem' : `${problems} problems`} to fix before saving.`
              : saved
                ? 'Saved. New mail is sorted with it from now on.'
                : ''}
          </span>
          <FieldError errors={visible} keys={['form']} id={`${id}-form`} />
        </div>
      </form>

      <RuleTryOut rule={ready ? rule : undefined} accountId={accountId} folders={folders} />
    </div>
  );
}
