import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { isSolonError } from '../../shared/contract';
import type { Category, Rule } from '../../shared/domain/rule';
import { errorText } from '../format';
import { EditorHead } from '../rules/EditorHead';
import { ActionRows } from '../rules/ActionRows';
import { FieldError, describedBy } from '../rules/FieldError';
import { actionTypes, type FieldErrors } from '../rules/draft';
import { useFolders } from '../rules/use-folders';
import { CategoryTestPanel } from './CategoryTestPanel';
import {
  categoryErrors,
  categoryFieldKey,
  renameInRules,
  rulesSetting,
  sameCategoryDraft,
  toCategory,
  type CategoryDraft,
} from './draft';

// A category's actions run after the rules; `stop` means nothing there, and a category does not
// set a category.
const categoryActionTypes = actionTypes
  .map((t) => t.type)
  .filter((t) => t !== 'stop' && t !== 'set-category');

export function CategoryEditor(props: {
  initial: CategoryDraft;
  /** Where it is in the saved list; undefined for a new category (saved at the end). */
  index: number | undefined;
  categories: readonly Category[];
  rules: readonly Rule[];
  accounts: readonly string[];
  onSaved: (saved: { categories: Category[]; rules: Rule[] }, index: number) => void;
  onClose: () => void;
}) {
  const { index, categories, rules } = props;
  const id = useId();
  const [draft, setDraft] = useState(props.initial);
  const [baseline, setBaseline] = useState(props.initial);
  const [accountId, setAccountId] = useState(props.accounts[0]);
  const { folders, reload } = useFolders(accountId);
  const [showAll, setShowAll] = useState(index !== undefined);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [remote, setRemote] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [banner, setBanner] = useState<string | undefined>();
  const [leaving, setLeaving] = useState(false);
  const [focusInvalid, setFocusInvalid] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    if (focusInvalid > 0)
      form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusInvalid]);

  const otherNames = useMemo(
    () => categories.filter((_, i) => i !== index).map((c) => c.name),
    [categories, index],
  );
  const all: FieldErrors = {
    ...remote,
    ...categoryErrors(draft, otherNames, {
      folders: folders.state === 'ok' ? folders.folders : undefined,
      accountId: accountId ?? '',
      categories: [],
    }),
  };
  const visible: FieldErrors = {};
  for (const [k, v] of Object.entries(all)) {
    const row = /^actions\.(\d+)\./.exec(k);
    const owner = row ? (draft.actions[Number(row[1])]?.key ?? k) : k;
    if (showAll || k === 'form' || touched.has(owner)) visible[k] = v;
  }
  const problems = Object.keys(visible).length;
  const dirty = !sameCategoryDraft(draft, baseline);
  const { category, rowOf } = toCategory(draft);
  const oldName = index === undefined ? undefined : categories[index]?.name;
  const users = oldName === undefined ? [] : rulesSetting(rules, oldName);
  const renaming = oldName !== undefined && oldName !== category.name && users.length > 0;
  const draftList =
    index === undefined
      ? [...categories, category]
      : categories.map((c, i) => (i === index ? category : c));

  function change(next: CategoryDraft, keys: string[]): void {
    setDraft(next);
    setSaved(false);
    setRemote({});
    setTouched((t) => new Set([...t, ...keys]));
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
    const at = index ?? categories.length;
    try {
      // A rename takes the rules that set the category along, in the same save.
      const patch =
        oldName !== undefined && renaming
          ? { categories: draftList, rules: renameInRules(rules, oldName, category.name) }
          : { categories: draftList };
      const result = await window.solon.settings.update(patch);
      setBaseline(draft);
      setSaved(true);
      props.onSaved({ categories: result.categories, rules: result.rules }, at);
    } catch (err) {
      const key =
        isSolonError(err) && err.path !== undefined
          ? categoryFieldKey(err.path, at, rowOf)
          : undefined;
      if (key !== undefined && key !== 'form') {
        setRemote({ [key]: errorText(err) });
        setFocusInvalid((n) => n + 1);
      } else setBanner(`Could not save: ${errorText(err)}`);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="category-editor">
      <EditorHead
        list="categories"
        what="category"
        title={index === undefined ? 'New category' : `Edit category: ${baseline.name}`}
        heading={heading}
        dirty={dirty}
        leaving={leaving}
        setLeaving={setLeaving}
        onClose={props.onClose}
        banner={banner}
      />
      <form ref={form} className="box editor-form" noValidate onSubmit={(e) => void save(e)}>
        <div className="form-grid">
          <label htmlFor={`${id}-name`}>Name</label>
          <div>
            <input
              id={`${id}-name`}
              type="text"
              className="wide"
              value={draft.name}
              placeholder="e.g. receipts"
              spellCheck={false}
              aria-invalid={visible.name !== undefined}
              aria-describedby={describedBy(visible, ['name'], `${id}-name`) ?? `${id}-name-hint`}
              onChange={(e) => change({ ...draft, name: e.target.value }, ['name'])}
            />
            <FieldError errors={visible} keys={['name']} id={`${id}-name`} />
            <p id={`${id}-name-hint`} className="muted field-hint">
              {renaming
                ? `Renaming also updates the ${users.length === 1 ? 'rule' : `${users.length} rules`} that set it.`
                : 'Letters, digits, - and _; starts with a letter. The model answers with this name.'}
            </p>
          </div>
          <label htmlFor={`${id}-desc`}>Description</label>
          <div>
            <textarea
              id={`${id}-desc`}
              rows={4}
              value={draft.description}
              placeholder="e.g. Order confirmations, invoices and receipts from shops and services. Not newsletters or ads."
              aria-describedby={`${id}-desc-hint`}
              aria-invalid={visible.description !== undefined}
              onChange={(e) => change({ ...draft, description: e.target.value }, ['description'])}
            />
            <FieldError errors={visible} keys={['description']} id={`${id}-desc`} />
            <p id={`${id}-desc-hint`} className="muted field-hint">
              What the language model is told this category means: say what belongs here, and what
              does not.
            </p>
          </div>
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
                <p className="muted field-hint">The folder list comes from this account.</p>
              </div>
            </>
          )}
        </div>
        <fieldset>
          <legend>Then do this</legend>
          <ActionRows
            rows={draft.actions}
            errors={visible}
            types={categoryActionTypes}
            folders={folders}
            accountId={accountId}
            categories={[]}
            emptyText="No actions: the category is only recorded (Activity shows it)."
            onReloadFolders={reload}
            onChange={(actions) =>
              change(
                { ...draft, actions },
                // Rows edited, not rows just added (blank is not a mistake yet).
                actions
                  .filter((a) => {
                    const was = draft.actions.find((b) => b.key === a.key);
                    return was !== undefined && was !== a;
                  })
                  .map((a) => a.key),
              )
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
                ? 'Saved.'
                : ''}
          </span>
          <FieldError errors={visible} keys={['form']} id={`${id}-form`} />
        </div>
      </form>
      <CategoryTestPanel
        accounts={props.accounts}
        categories={draftList}
        blocked={
          Object.keys(all).length > 0 ? 'Fix the problems above to test this category.' : undefined
        }
      />
    </div>
  );
}
