import { useId } from 'react';
import type { ConditionField, ConditionOperator } from '../../shared/domain/rule';
import { ConditionField as ConditionFieldSchema } from '../../shared/domain/rule';
import { parseSize } from '../../shared/domain/regex-guard';
import {
  fieldLabels,
  newCondition,
  operatorLabels,
  operatorsForField,
  valueKind,
  withField,
  withOperator,
  type ConditionDraft,
  type FieldErrors,
} from './draft';
import { FieldError, describedBy } from './FieldError';

const fields = ConditionFieldSchema.options;

function sizeHint(value: string): string | undefined {
  const bytes = parseSize(value.trim());
  if (bytes === undefined || /^\d+$/.test(value.trim())) return undefined;
  return `= ${bytes.toLocaleString()} bytes`;
}

/** The condition rows of a rule: field, header name, operator, value, negate, case. */
export function ConditionRows(props: {
  rows: ConditionDraft[];
  onChange: (rows: ConditionDraft[]) => void;
  /** Keyed `conditions.<row>.field|header|op|value`, and `conditions` for the list. */
  errors: FieldErrors;
}) {
  const { rows, onChange, errors } = props;
  const base = useId();
  const update = (i: number, row: ConditionDraft): void =>
    onChange(rows.map((r, j) => (j === i ? row : r)));

  return (
    <div className="rows">
      {rows.map((c, i) => {
        const n = i + 1;
        const k = (part: string): string => `conditions.${i}.${part}`;
        const id = `${base}-${i}`;
        const keys = [k('field'), k('header'), k('op'), k('value')];
        const kind = valueKind(c.op);
        const hint = kind === 'size' ? sizeHint(c.value) : undefined;
        return (
          <div className="row-item" key={c.key} data-row={`condition-${n}`}>
            <div className="row-fields">
              <label className="check">
                <input
                  type="checkbox"
                  checked={c.negate}
                  onChange={(e) => update(i, { ...c, negate: e.target.checked })}
                  aria-label={`Not (condition ${n})`}
                />
                <span aria-hidden="true">Not</span>
              </label>
              <select
                aria-label={`Field for condition ${n}`}
                value={c.field}
                aria-invalid={errors[k('field')] !== undefined}
                aria-describedby={describedBy(errors, [k('field')], id)}
                onChange={(e) => update(i, withField(c, e.target.value as ConditionField))}
              >
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {fieldLabels[f]}
                  </option>
                ))}
              </select>
              {c.field === 'header' && (
                <input
                  type="text"
                  className="header-name"
                  aria-label={`Header name for condition ${n}`}
                  placeholder="Header name"
                  spellCheck={false}
                  value={c.header}
                  aria-invalid={errors[k('header')] !== undefined}
                  aria-describedby={describedBy(errors, [k('header')], id)}
                  onChange={(e) => update(i, { ...c, header: e.target.value })}
                />
              )}
              <select
                aria-label={`Operator for condition ${n}`}
                value={c.op}
                aria-invalid={errors[k('op')] !== undefined}
                aria-describedby={describedBy(errors, [k('op')], id)}
                onChange={(e) => update(i, withOperator(c, e.target.value as ConditionOperator))}
              >
                {operatorsForField(c.field).map((op) => (
                  <option key={op} value={op}>
                    {c.field === 'has-attachment' && op === 'exists'
                      ? 'is present'
                      : operatorLabels[op]}
                  </option>
                ))}
              </select>
              {kind === 'none' ? (
                <span className="row-spacer" />
              ) : (
                <input
                  type="text"
                  className={kind === 'regex' ? 'grow mono' : 'grow'}
                  aria-label={`Value for condition ${n}`}
                  placeholder={
                    kind === 'size'
                      ? 'Bytes, e.g. 50000, 10k, 2M'
                      : kind === 'regex'
                        ? 'Regular expression (RE2)'
                        : 'Text'
                  }
                  spellCheck={false}
                  autoComplete="off"
                  value={c.value}
                  aria-invalid={errors[k('value')] !== undefined}
                  aria-describedby={describedBy(errors, [k('value')], id)}
                  onChange={(e) => update(i, { ...c, value: e.target.value })}
                />
              )}
              {(kind === 'text' || kind === 'regex') && (
                <label className="check" title="Case-sensitive">
                  <input
                    type="checkbox"
                    checked={c.caseSensitive}
                    onChange={(e) => update(i, { ...c, caseSensitive: e.target.checked })}
                    aria-label={`Case-sensitive (condition ${n})`}
                  />
                  <span aria-hidden="true">Aa</span>
                </label>
              )}
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove condition ${n}`}
                title="Remove"
                disabled={rows.length === 1}
                onClick={() => onChange(rows.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </div>
            {hint && <p className="muted field-hint">{hint}</p>}
            <FieldError errors={errors} keys={keys} id={id} />
          </div>
        );
      })}
      <FieldError errors={errors} keys={['conditions']} id={`${base}-list`} />
      <div className="rows-foot">
        <button type="button" onClick={() => onChange([...rows, newCondition()])}>
          Add condition
        </button>
      </div>
    </div>
  );
}
