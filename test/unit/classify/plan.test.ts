import { describe, expect, it } from 'vitest';
import {
  describePlan,
  isEmptyPlan,
  planActions,
  type Plan,
} from '../../../src/main/core/classify/plan.js';
import type { Action } from '../../../src/shared/domain/rule.js';

const EMPTY: Plan = {
  addFlags: [],
  removeFlags: [],
  gmailLabels: [],
  copyTo: [],
  moveTo: undefined,
  notify: false,
};

interface Case {
  name: string;
  actions: Action[];
  flags?: string[];
  mailbox?: string;
  want: Partial<Plan>;
}

const cases: Case[] = [
  { name: 'no actions', actions: [], want: {} },
  { name: 'stop contributes nothing', actions: [{ type: 'stop' }], want: {} },
  { name: 'flag', actions: [{ type: 'flag' }], want: { addFlags: ['\\Flagged'] } },
  { name: 'mark-read', actions: [{ type: 'mark-read' }], want: { addFlags: ['\\Seen'] } },
  {
    name: 'add-keyword, deduped',
    actions: [
      { type: 'add-keyword', keyword: 'work' },
      { type: 'flag' },
      { type: 'add-keyword', keyword: 'work' },
      { type: 'flag' },
    ],
    want: { addFlags: ['work', '\\Flagged'] },
  },
  {
    name: 'adds already present are dropped (case-insensitively)',
    actions: [{ type: 'mark-read' }, { type: 'add-keyword', keyword: 'Work' }, { type: 'flag' }],
    flags: ['\\seen', 'work'],
    want: { addFlags: ['\\Flagged'] },
  },
  {
    name: 'remove-keyword when present',
    actions: [{ type: 'remove-keyword', keyword: 'todo' }],
    flags: ['todo'],
    want: { removeFlags: ['todo'] },
  },
  {
    name: 'remove-keyword when absent is dropped',
    actions: [{ type: 'remove-keyword', keyword: 'todo' }],
    want: {},
  },
  {
    name: 'add then remove: remove wins',
    actions: [
      { type: 'add-keyword', keyword: 'todo' },
      { type: 'remove-keyword', keyword: 'todo' },
    ],
    flags: ['todo'],
    want: { removeFlags: ['todo'] },
  },
  {
    name: 'add then remove of an absent keyword: nothing',
    actions: [
      { type: 'add-keyword', keyword: 'todo' },
      { type: 'remove-keyword', keyword: 'todo' },
    ],
    want: {},
  },
  {
    name: 'remove then add: add wins',
    actions: [
      { type: 'remove-keyword', keyword: 'todo' },
      { type: 'add-keyword', keyword: 'todo' },
    ],
    want: { addFlags: ['todo'] },
  },
  {
    name: 'gmail labels deduped',
    actions: [
      { type: 'gmail-label', label: 'Receipts' },
      { type: 'gmail-label', label: 'Travel' },
      { type: 'gmail-label', label: 'Receipts' },
    ],
    want: { gmailLabels: ['Receipts', 'Travel'] },
  },
  { name: 'notify', actions: [{ type: 'notify' }, { type: 'notify' }], want: { notify: true } },
  {
    name: 'move',
    actions: [{ type: 'move', folder: 'Lists/Debian' }],
    want: { moveTo: 'Lists/Debian' },
  },
  {
    name: 'later moves become copies',
    actions: [
      { type: 'move', folder: 'A' },
      { type: 'move', folder: 'B' },
      { type: 'move', folder: 'C' },
    ],
    want: { moveTo: 'A', copyTo: ['B', 'C'] },
  },
  {
    name: 'copies deduped, never the move target',
    actions: [
      { type: 'copy', folder: 'B' },
      { type: 'move', folder: 'A' },
      { type: 'copy', folder: 'A' },
      { type: 'copy', folder: 'B' },
      { type: 'move', folder: 'A' },
    ],
    want: { moveTo: 'A', copyTo: ['B'] },
  },
  {
    name: 'copy to the current mailbox is dropped',
    actions: [{ type: 'copy', folder: 'INBOX' }],
    want: {},
  },
  {
    name: 'move to the current mailbox keeps it there; later moves are copies',
    actions: [
      { type: 'move', folder: 'inbox' },
      { type: 'move', folder: 'Archive' },
    ],
    want: { copyTo: ['Archive'] },
  },
  {
    name: 'non-INBOX names are case-sensitive',
    actions: [{ type: 'move', folder: 'archive' }],
    mailbox: 'Archive',
    want: { moveTo: 'archive' },
  },
  {
    name: 'a later move back to the current mailbox is dropped',
    actions: [
      { type: 'move', folder: 'Spam' },
      { type: 'move', folder: 'INBOX' },
    ],
    want: { moveTo: 'Spam' },
  },
];

describe('planActions', () => {
  it.each(cases)('$name', ({ actions, flags = [], mailbox = 'INBOX', want }) => {
    expect(planActions(actions, { flags, mailbox })).toEqual({ ...EMPTY, ...want });
  });

  it('does not change its inputs', () => {
    const actions: Action[] = [{ type: 'move', folder: 'A' }, { type: 'flag' }];
    const current = { flags: ['\\Seen'], mailbox: 'INBOX' };
    const before = structuredClone({ actions, current });
    planActions(actions, current);
    expect({ actions, current }).toEqual(before);
  });
});

describe('isEmptyPlan', () => {
  it.each<[string, Partial<Plan>, boolean]>([
    ['empty', {}, true],
    ['add flag', { addFlags: ['\\Seen'] }, false],
    ['remove flag', { removeFlags: ['x'] }, false],
    ['label', { gmailLabels: ['L'] }, false],
    ['copy', { copyTo: ['A'] }, false],
    ['move', { moveTo: 'A' }, false],
    ['notify', { notify: true }, false],
  ])('%s → %s', (_name, part, want) => {
    expect(isEmptyPlan({ ...EMPTY, ...part })).toBe(want);
  });

  it('is true for a plan whose actions are all no-ops', () => {
    const plan = planActions(
      [{ type: 'mark-read' }, { type: 'move', folder: 'INBOX' }, { type: 'stop' }],
      { flags: ['\\Seen'], mailbox: 'INBOX' },
    );
    expect(isEmptyPlan(plan)).toBe(true);
  });
});

describe('describePlan', () => {
  it.each<[Partial<Plan>, string]>([
    [{}, 'nothing to do'],
    [{ moveTo: 'Lists/Debian', addFlags: ['\\Seen'] }, 'move → Lists/Debian; +\\Seen'],
    [
      {
        moveTo: 'A',
        copyTo: ['B', 'C'],
        addFlags: ['\\Flagged', 'work'],
        removeFlags: ['todo'],
        gmailLabels: ['Receipts'],
        notify: true,
      },
      'move → A; copy → B, C; +\\Flagged +work -todo; label Receipts; notify',
    ],
  ])('%j → %s', (part, want) => {
    expect(describePlan({ ...EMPTY, ...part })).toBe(want);
  });
});
