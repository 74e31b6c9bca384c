import { z } from 'zod';
import { AppSettings } from '../../../shared/domain/settings.js';

/** A JSON Schema object (draft 2020-12), as zod emits it. */
export type JsonSchema = Record<string, unknown>;

/**
 * The settings' JSON Schema, derived from the zod schema so there is one source of truth.
 *
 * Draft 2020-12 (zod's default target) because that is what conf 15 compiles with (`Ajv2020`
 * in conf/dist/source/index.js), not draft-07. `io: 'input'`: a field with a default may be
 * absent from the file, exactly as zod accepts it.
 *
 * One deliberate loosening: JSON Schema's `pattern` has no flags, and zod writes a regex's
 * source without them, so `/^[a-z0-9][a-z0-9_-]*$/i` (an account id) would reject "Work", which
 * zod accepts, and a settings file zod calls valid would fail to load. Patterns of regexes with
 * flags that change what matches (i, m, s) are left out; zod, which checks every load and every
 * update, still enforces them.
 */
export function toJsonSchema(): JsonSchema {
  return z.toJSONSchema(AppSettings, {
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      for (const re of stringPatterns(zodSchema)) {
        if (!/[ims]/.test(re.flags)) continue;
        const js = jsonSchema as JsonSchema;
        if (js.pattern === re.source) delete js.pattern;
        if (Array.isArray(js.allOf)) {
          js.allOf = (js.allOf as JsonSchema[]).filter((s) => s.pattern !== re.source);
          if ((js.allOf as unknown[]).length === 0) delete js.allOf;
        }
      }
    },
  });
}

/** The regexes a zod string schema checks (`.regex()` and formats), read from its checks. */
function stringPatterns(schema: unknown): RegExp[] {
  const internals = (schema as { _zod?: { def?: { type?: string; checks?: unknown[] } } })._zod;
  if (internals?.def?.type !== 'string') return [];
  const out: RegExp[] = [];
  for (const check of internals.def.checks ?? []) {
    const pattern = (check as { _zod?: { def?: { pattern?: unknown } } })._zod?.def?.pattern;
    if (pattern instanceof RegExp) out.push(pattern);
  }
  return out;
}

/**
 * The `schema`, `rootSchema` and `ajvOptions` options of conf / electron-store: conf builds
 * `{ ...rootSchema, type: 'object', properties: schema }` and compiles it with Ajv2020.
 *
 * The root keeps `required` but not `additionalProperties: false`: conf keeps its own
 * bookkeeping under `__internal__` at the root whenever its migrations have run, and a strict
 * root would then make the file unreadable. Unknown keys are still refused by zod (strict), and
 * every nested object keeps `additionalProperties: false`.
 *
 * `allowUnionTypes`: a condition's value is `string | number`, which zod writes as
 * `type: ["string", "number"]`; Ajv's strict mode would log a warning for it at every start.
 */
export function storeSchemaOptions(): {
  schema: Record<string, JsonSchema>;
  rootSchema: JsonSchema;
  ajvOptions: { allowUnionTypes: true };
} {
  const { properties, required } = toJsonSchema() as {
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
  return {
    schema: properties,
    rootSchema: required ? { required } : {},
    ajvOptions: { allowUnionTypes: true },
  };
}
