import { ErrorCode, isSolonError } from '../../shared/contract';
import { LlmSettings } from '../../shared/domain/settings';

/**
 * The "Language model" form as pure functions: the saved LlmSettings shown as text fields, the
 * typed text checked with the schema's own rules (so the window and settings.update agree on
 * what is valid), and the patch of what changed. Toggles save at once; these text fields save
 * with an explicit Save, like a native settings window's text entries.
 */

/** The text fields of LlmSettings this form edits (enabled and apiKey have their own controls). */
export type LlmFieldKey = 'baseUrl' | 'model' | 'timeoutMs' | 'maxConcurrent' | 'excerptChars';

export interface LlmField {
  key: LlmFieldKey;
  label: string;
  /** Shown under the field. */
  hint: string;
  kind: 'url' | 'text' | 'number';
  /** Numbers shown in another unit than stored: shown = stored / scale (ms → s). */
  scale?: number;
  unit?: string;
  placeholder?: string;
}

const allFields: readonly LlmField[] = [
  {
    key: 'baseUrl',
    label: 'Endpoint URL',
    hint: 'An OpenAI-compatible API, up to and including /v1 (llama.cpp, Ollama, LM Studio…).',
    kind: 'url',
    placeholder: 'http://127.0.0.1:8080/v1',
  },
  {
    key: 'model',
    label: 'Model',
    hint: 'Leave empty to use the first model the server lists.',
    kind: 'text',
    placeholder: 'First model the server lists',
  },
  {
    key: 'timeoutMs',
    label: 'Timeout',
    hint: 'How long one answer may take. A small model on a laptop needs 15–30 s.',
    kind: 'number',
    scale: 1000,
    unit: 'seconds',
  },
  {
    key: 'maxConcurrent',
    label: 'Requests at once',
    hint: 'Most local servers answer one request at a time.',
    kind: 'number',
    unit: 'at most',
  },
  {
    key: 'excerptChars',
    label: 'Text shown to the model',
    hint: 'Characters of each message body sent with the request.',
    kind: 'number',
    unit: 'characters',
  },
];

/** The fields the schema has (another release may drop or add some: the form follows it). */
export const llmFields: readonly LlmField[] = allFields.filter((f) =>
  Object.hasOwn(LlmSettings.shape, f.key),
);

export type LlmDraft = Record<LlmFieldKey, string>;

function shown(f: LlmField, v: unknown): string {
  if (typeof v === 'number') return String(f.scale ? v / f.scale : v);
  return typeof v === 'string' ? v : '';
}

export function draftFrom(saved: LlmSettings): LlmDraft {
  const out = {} as LlmDraft;
  for (const f of allFields) out[f.key] = shown(f, (saved as Record<string, unknown>)[f.key]);
  return out;
}

/** The bounds of a numeric field in the unit shown, from the schema. */
export function boundsOf(f: LlmField): { min?: number; max?: number; step: number } {
  const inner = LlmSettings.shape[f.key].unwrap();
  const scale = f.scale ?? 1;
  if (!('minValue' in inner)) return { step: 1 };
  const min = inner.minValue ?? undefined;
  const max = inner.maxValue ?? undefined;
  return {
    min: min === undefined || !Number.isFinite(min) ? undefined : min / scale,
    max: max === undefined || !Number.isFinite(max) ? undefined : max / scale,
    step: 1,
  };
}

function numberProblem(f: LlmField, text: string): string | undefined {
  const { min, max } = boundsOf(f);
  const range =
    min !== undefined && max !== undefined
      ? `a whole number from ${min} to ${max}`
      : 'a whole number';
  if (text.trim() === '') return `Enter ${range}.`;
  const n = Number(text);
  if (!Number.isInteger(n) || (min !== undefined && n < min) || (max !== undefined && n > max))
    return `Enter ${range}.`;
  return undefined;
}

export type FieldErrors = Partial<Record<LlmFieldKey, string>>;

/**
 * The typed values as settings, checked field by field with the schema: `values` has every
 * field that is valid, `errors` says what is wrong with the others.
 */
export function readDraft(draft: LlmDraft): { values: Partial<LlmSettings>; errors: FieldErrors } {
  const values: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const f of llmFields) {
    const text = draft[f.key];
    if (f.kind === 'number') {
      const problem = numberProblem(f, text);
      if (problem) {
        errors[f.key] = problem;
        continue;
      }
    }
    const value = f.kind === 'number' ? Number(text) * (f.scale ?? 1) : text.trim();
    const r = LlmSettings.shape[f.key].safeParse(value);
    if (r.success) values[f.key] = r.data;
    else errors[f.key] = sentence(r.error.issues[0]?.message ?? 'Not valid');
  }
  return { values: values, errors };
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Only what differs from the saved settings (settings.update merges, so nothing else moves). */
export function changedFields(
  values: Partial<LlmSettings>,
  saved: LlmSettings,
): Partial<LlmSettings> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values))
    if (v !== (saved as Record<string, unknown>)[k]) out[k] = v;
  return out;
}

export function isDirty(draft: LlmDraft, saved: LlmSettings): boolean {
  const base = draftFrom(saved);
  return llmFields.some((f) => draft[f.key].trim() !== base[f.key].trim());
}

/**
 * A field error from a rejected call: settings.update names `llm.baseUrl`, llm.test (whose
 * args are the LLM fields themselves) names `baseUrl`. Undefined when the error is not about
 * one of this form's fields.
 */
export function fieldErrorOf(e: unknown): { key: LlmFieldKey; message: string } | undefined {
  if (!isSolonError(e) || e.code !== ErrorCode.INVALID_ARGS || !e.path) return undefined;
  const key = e.path.replace(/^llm\./, '');
  const field = llmFields.find((f) => f.key === key);
  if (!field) return undefined;
  return { key: field.key, message: sentence(issueAt(e.message, e.path)) };
}

/**
 * The part of a coded message about one path: messages read `channel: path: what; path: what`
 * (dispatch) or `path: what; …` (the settings store). Falls back to the whole message.
 */
export function issueAt(message: string, path: string): string {
  for (const part of message.split('; ')) {
    const at = part.indexOf(`${path}: `);
    if (at >= 0) return part.slice(at + path.length + 2);
  }
  return message;
}

/** Where the API key comes from, in words (never the key: the window cannot read it). */
export function apiKeySource(src: LlmSettings['apiKey']): string {
  if (!src) return 'No key is set. Most servers on this computer need none.';
  if ('keychain' in src) return 'A key is saved in the keychain.';
  if ('command' in src) return `The key comes from the command “${src.command}”.`;
  return `The key comes from the environment variable ${src.env}.`;
}
