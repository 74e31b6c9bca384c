import { z } from 'zod';

/**
 * What a condition looks at. Address fields (from, to, cc) match against every address on the
 * header, each as "Name <addr>" and as the bare address; `header` needs `header` (a field name).
 */
export const ConditionField = z.enum([
  'from',
  'to',
  'cc',
  'subject',
  'header',
  'body',
  'list-id',
  'has-attachment',
  'attachment-name',
  'attachment-type',
  'size',
]);
export type ConditionField = z.infer<typeof ConditionField>;

export const ConditionOperator = z.enum([
  'contains',
  'equals',
  'starts-with',
  'ends-with',
  'matches',
  'exists',
  'greater-than',
  'less-than',
]);
export type ConditionOperator = z.infer<typeof ConditionOperator>;

export const Condition = z
  .object({
    field: ConditionField,
    /** The header name, when field is `header` (case-insensitive). */
    header: z.string().min(1).optional(),
    op: ConditionOperator,
    /** Text to compare (case-insensitive unless caseSensitive), a regex source for `matches`, bytes for size. */
    value: z.union([z.string(), z.number()]).optional(),
    /** Negate the result. */
    negate: z.boolean().default(false),
    caseSensitive: z.boolean().default(false),
  })
  .strict();
export type Condition = z.infer<typeof Condition>;

const folder = z.string().min(1, 'a folder name is required');
const keyword = z
  .string()
  .min(1)
  .regex(/^[^\s()*%"\\\]{]+$/, 'an IMAP keyword cannot contain spaces or ( ) { * % " \\ ]');

export const Action = z.discriminatedUnion('type', [
  z.object({ type: z.literal('move'), folder }).strict(),
  z.object({ type: z.literal('copy'), folder }).strict(),
  z.object({ type: z.literal('add-keyword'), keyword }).strict(),
  z.object({ type: z.literal('remove-keyword'), keyword }).strict(),
  z.object({ type: z.literal('gmail-label'), label: z.string().min(1) }).strict(),
  z.object({ type: z.literal('flag') }).strict(),
  z.object({ type: z.literal('mark-read') }).strict(),
  z.object({ type: z.literal('notify') }).strict(),
  z.object({ type: z.literal('stop') }).strict(),
]);
export type Action = z.infer<typeof Action>;
export type ActionType = Action['type'];

export const Rule = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    enabled: z.boolean().default(true),
    match: z.enum(['all', 'any']).default('all'),
    conditions: z.array(Condition).min(1, 'a rule needs at least one condition'),
    actions: z.array(Action).default([]),
    /** Sets the message's category (the category's actions run after the rules). */
    category: z.string().min(1).optional(),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;

export const Category = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a category name is letters, digits, _ and -'),
    /** What the classifier is told this category means. */
    description: z.string().default(''),
    actions: z.array(Action).default([]),
  })
  .strict();
export type Category = z.infer<typeof Category>;
