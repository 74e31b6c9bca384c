import { useId } from 'react';
import {
  actionArg,
  actionTypes,
  newAction,
  withActionType,
  type ActionDraft,
  type ActionDraftType,
  type FieldErrors,
} from './draft';
import type { FoldersState } from './use-folders';
import { FieldError, describedBy } from './FieldError';

/**
 * The action rows of a rule or a category: what to do, and to what (a folder from the server's
 * list, a keyword, a label, a category). Shared by the rules and the categories editors; each
 * passes the action types it allows.
 */
export function ActionRows(props: {
  rows: ActionDraft[];
  onChange: (rows: ActionDraft[]) => void;
  /** The types offered (categories leave out `stop` and `set-category`). */
  types: readonly ActionDraftType[];
  /** Keyed `actions.<row>.type|arg`, and `actions` for the list as a whole. */
  errors: FieldErrors;
  folders: FoldersState;
  /** Which account the folder list is from, for the hint. */
  accountId: string | undefined;
  /** Category names for the set-category row. */
  categories: readonly string[];
  /** Shown when there are no rows. */
  emptyText: string;
  /** Ask the server for the folder list again (a folder made meanwhile). */
  onReloadFolders?: () => void;
}) {
  const { rows, onChange, errors } = props;
  const base = useId();
  const offered = actionTypes.filter((t) => props.types.includes(t.type));
  const update = (i: number, row: ActionDraft): void =>
    onChange(rows.map((r, j) => (j === i ? row : r)));

  return (
    <div className="rows">
      {rows.length === 0 && <p className="muted rows-empty">{props.emptyText}</p>}
      {rows.map((a, i) => {
        const n = i + 1;
        const typeKey = `actions.${i}.type`;
        const argKey = `actions.${i}.arg`;
        const id = `${base}-${i}`;
        return (
          <div className="row-item" key={a.key} data-row={`action-${n}`}>
            <div className="row-fields">
              <select
                aria-label={`Action ${n}`}
                value={a.type}
                aria-invalid={errors[typeKey] !== undefined}
                aria-describedby={describedBy(errors, [typeKey], id)}
                onChange={(e) => update(i, withActionType(a, e.target.value as ActionDraftType))}
              >
                {offered.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.label}
                  </option>
                ))}
              </select>
              <ActionArgInput
                row={a}
                n={n}
                invalid={errors[argKey] !== undefined}
                describedBy={describedBy(errors, [argKey], id)}
                folders={props.folders}
                categories={props.categories}
                onArg={(arg) => update(i, { ...a, arg })}
              />
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove action ${n}`}
                title="Remove"
                onClick={() => onChange(rows.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </div>
            <FieldError errors={errors} keys={[typeKey, argKey]} id={id} />
          </div>
        );
      })}
      <FieldError errors={errors} keys={['actions']} id={`${base}-list`} />
      <div className="rows-foot">
        <button
          type="button"
          onClick={() => onChange([...rows, newAction(props.types[0] ?? 'flag')])}
        >
          Add action
        </button>
        {props.onReloadFolders &&
          (props.folders.state === 'ok' || props.folders.state === 'error') &&
          rows.some((a) => actionArg(a.type) === 'folder') && (
            <button type="button" className="link-button" onClick={props.onReloadFolders}>
              Refresh folder list
            </button>
          )}
        {props.folders.state === 'error' && (
          <span className="muted">
            Could not list the folders of {props.accountId}: {props.folders.message}. Type the
            folder path instead.
          </span>
        )}
      </div>
    </div>
  );
}

function ActionArgInput(props: {
  row: ActionDraft;
  n: number;
  invalid: boolean;
  describedBy: string | undefined;
  folders: FoldersState;
  categories: readonly string[];
  onArg: (arg: string) => void;
}) {
  const { row, n, invalid, onArg, folders } = props;
  const common = {
    'aria-invalid': invalid,
    'aria-describedby': props.describedBy,
  } as const;
  switch (actionArg(row.type)) {
    case 'none':
      return <span className="row-spacer" />;
    case 'folder':
      if (folders.state === 'ok') {
        const known = folders.folders.some((f) => f.path === row.arg);
        return (
          <select
            aria-label={`Folder for action ${n}`}
            className="grow"
            value={row.arg}
            onChange={(e) => onArg(e.target.value)}
            {...common}
          >
            <option value="" disabled>
              Choose a folder…
            </option>
            {!known && row.arg !== '' && <option value={row.arg}>{row.arg} (not found)</option>}
            {folders.folders.map((f) => (
              <option key={f.path} value={f.path}>
                {f.decodedPath}
              </option>
            ))}
          </select>
        );
      }
      // Folders not listed (loading, no account, or the server failed): a path typed by hand.
      return (
        <input
          type="text"
          className="grow"
          aria-label={`Folder for action ${n}`}
          placeholder={folders.state === 'loading' ? 'Loading folders…' : 'Folder path'}
          spellCheck={false}
          value={row.arg}
          onChange={(e) => onArg(e.target.value)}
          {...common}
        />
      );
    case 'keyword':
      return (
        <input
          type="text"
          className="grow"
          aria-label={`Keyword for action ${n}`}
          placeholder="e.g. receipts"
          spellCheck={false}
          value={row.arg}
          onChange={(e) => onArg(e.target.value)}
          {...common}
        />
      );
    case 'label':
      return (
        <input
          type="text"
          className="grow"
          aria-label={`Gmail label for action ${n}`}
          placeholder="e.g. Receipts"
          value={row.arg}
          onChange={(e) => onArg(e.target.value)}
          {...common}
        />
      );
    case 'category':
      return (
        <select
          aria-label={`Category for action ${n}`}
          className="grow"
          value={row.arg}
          onChange={(e) => onArg(e.target.value)}
          {...common}
        >
          <option value="" disabled>
            {props.categories.length === 0 ? 'No categories yet' : 'Choose a category…'}
          </option>
          {row.arg !== '' && !props.categories.includes(row.arg) && (
            <option value={row.arg}>{row.arg} (not found)</option>
          )}
          {props.categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      );
  }
}
