/**
 * The rules and categories views in Debian Chromium, through window.solon to the real handlers,
 * engine and a private Dovecot holding real corpus mail: a rule made in the editor previews the
 * right messages, cannot be saved with a bad regex, sorts new mail once saved (Activity shows it,
 * Undo puts it back), applies to mail already there (and stops when cancelled); the list
 * reorders by keyboard and by drag; a category set by a rule is what the Test panel reports.
 * Screenshots: rules, rule-editor, categories (light and dark).
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spamAssassinMessages } from '../helpers/corpus.js';
import { distinctById, expectedFolder, idOf, normId } from '../helpers/corpus-expect.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { waitFor } from '../helpers/fake-clock.js';
import {
  chromiumMissing,
  startRendererHarness,
  type RendererHarness,
} from '../helpers/renderer-harness.js';
import { demoFolders } from '../helpers/solon-config.js';
import { answer, startLlmServer } from '../helpers/llm-server.js';

const USER = 'rosa';
const PASSWORD = 'rosa-pw';
const DEADLINE = 15_000;
/** A mailbox the engine does not watch, for the cancel test's bulk mail. */
const BULK = 'Bulk';
const ARCHIVE = 'Archive';
const BULK_COUNT = 300;

const shown = (l: Locator): Promise<void> => l.waitFor({ state: 'visible', timeout: DEADLINE });
/** Options of a closed select are never visible, only there. */
const present = (l: Locator): Promise<void> => l.waitFor({ state: 'attached', timeout: DEADLINE });
const gone = (l: Locator): Promise<void> => l.waitFor({ state: 'hidden', timeout: DEADLINE });
const textOf = (l: Locator): Promise<string | null> => l.textContent({ timeout: DEADLINE });
const attr = (l: Locator, name: string): Promise<string | null> =>
  l.getAttribute(name, { timeout: DEADLINE });
const enabled = (l: Locator): Promise<boolean> => l.isEnabled({ timeout: DEADLINE });
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: DEADLINE, interval: 50 });

describe.skipIf(chromiumMissing)(
  `the rules and categories views${chromiumMissing ? ` — skipped: ${chromiumMissing}` : ''}`,
  () => {
    let dovecot: Dovecot;
    let h: RendererHarness;
    const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1'], limit: 600 }));
    const exmh = corpus.filter((m) => expectedFolder(m) === 'Lists/exmh').slice(0, 5);
    const early = exmh.slice(0, 4);
    const late = exmh[4]!;
    const others = corpus.filter((m) => expectedFolder(m) === 'INBOX').slice(0, 4);
    /** UIDs in INBOX of the early exmh messages. */
    let earlyUids: number[] = [];

    const idsIn = async (box: string): Promise<Set<string>> =>
      new Set((await dovecot.listMessages(USER, box)).map((x) => normId(x.messageId)));
    const ruleIds = (): string[] => h.settings.get().rules.map((r) => r.id);
    /** A fresh load of a view (a hash change alone would keep an open editor). */
    const visit = async (route: string): Promise<void> => {
      await h.page.goto('about:blank');
      await h.page.goto(h.url(route));
    };

    beforeAll(async () => {
      if (exmh.length < 5 || others.length < 4) throw new Error('the corpus is short of mail');
      dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
      for (const f of [...demoFolders(), BULK, ARCHIVE]) await dovecot.createMailbox(USER, f);
      h = await startRendererHarness({ dovecot, user: USER, password: PASSWORD });
      h.page.setDefaultTimeout(DEADLINE);
      await h.seed({ rules: [] });
      // No rules yet: the engine looks at each message and leaves it in INBOX (no match).
      const uids = await dovecot.appendMany(
        USER,
        'INBOX',
        [...early, ...others].map((m) => m.raw),
      );
      earlyUids = uids.slice(0, early.length);
      const want = new Set([...early, ...others].map(idOf));
      await waitFor(
        'the engine to have looked at every message',
        async () => {
          const seen = (await h.engine()!.recentActivity(100)).filter(
            (e) => e.result === 'no-match' && want.has(normId(e.messageId)),
          );
          return new Set(seen.map((e) => normId(e.messageId))).size === want.size;
        },
        { timeoutMs: DEADLINE },
      );
    }, 90_000);

    afterAll(async () => {
      await h?.stop();
      await dovecot?.stop();
    });

    it('makes a rule: preview lists exactly the list mail, a bad regex cannot be saved', async () => {
      const { page } = h;
      await visit('rules');
      await shown(page.getByText('No rules yet.'));
      await page.getByRole('button', { name: 'New rule' }).click();
      await shown(page.getByRole('heading', { name: 'New rule' }));

      await page.getByLabel('Name', { exact: true }).fill('exmh');
      await page.getByLabel('Field for condition 1').selectOption('list-id');
      await page.getByLabel('Operator for condition 1').selectOption('contains');
      await page.getByLabel('Value for condition 1').fill('exmh');
      // The folder picker is fed by accounts.folders: a select once the list has arrived.
      const folder = page.getByRole('combobox', { name: 'Folder for action 1' });
      await present(folder.locator('option', { hasText: 'Lists/exmh' }));
      await folder.selectOption('Lists/exmh');

      const previewButton = page.getByRole('button', { name: 'Preview on recent mail' });
      await poll(() => enabled(previewButton)).toBe(true);
      await previewButton.click();
      const summary = page.getByTestId('preview-summary');
      await poll(() => textOf(summary)).toBe(
        `${early.length} of ${early.length + others.length} messages in INBOX match.`,
      );
      const matched = page.locator('[data-testid="preview"] tbody tr.match');
      await poll(async () =>
        (await matched.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-uid')))))
          .sort((a, b) => a - b)
          .join(','),
      ).toBe([...earlyUids].sort((a, b) => a - b).join(','));
      await poll(() => textOf(matched.first().locator('td').last())).toBe('move → Lists/exmh');
      // The non-matching ones on request.
      await page.getByLabel('Show messages that do not match').check();
      await poll(() => page.locator('[data-testid="preview"] tbody tr').count()).toBe(
        early.length + others.length,
      );
      await page.getByLabel('Show messages that do not match').uncheck();
      // A preview changes nothing on the server.
      expect((await idsIn('Lists/exmh')).size).toBe(0);
      await h.screenshots('rule-editor');

      // A bad regex: shown at the field, Save and Preview disabled.
      const value = page.getByLabel('Value for condition 1');
      await page.getByLabel('Operator for condition 1').selectOption('matches');
      await value.fill('exmh(?=-workers)');
      const save = page.getByRole('button', { name: 'Save', exact: true });
      await poll(() => attr(value, 'aria-invalid')).toBe('true');
      const describedBy = await attr(value, 'aria-describedby');
      expect(describedBy).toBeTruthy();
      await poll(() => textOf(page.locator(`[id="${describedBy}"]`))).toMatch(/lookahead/);
      await poll(() => enabled(save)).toBe(false);
      await poll(() => enabled(previewButton)).toBe(false);
      expect(h.settings.get().rules).toEqual([]);

      await value.fill('exmh');
      await poll(() => attr(value, 'aria-invalid')).toBe('false');
      await poll(() => enabled(save)).toBe(true);
      await save.click();
      await shown(page.getByText('Saved. New mail is sorted with it from now on.'));
      const [rule] = h.settings.get().rules;
      expect(rule).toMatchObject({
        id: 'exmh',
        name: 'exmh',
        enabled: true,
        conditions: [{ field: 'list-id', op: 'matches', value: 'exmh' }],
        actions: [{ type: 'move', folder: 'Lists/exmh' }],
      });
      await shown(page.getByRole('heading', { name: 'Edit rule: exmh' }));
    });

    it('applies the rule to the mail already in INBOX, with progress to the end', async () => {
      const { page } = h;
      await visit('rules');
      await page.getByRole('button', { name: 'Edit: exmh' }).click();
      const before = (await dovecot.listMessages(USER, 'INBOX')).length;
      await page.getByRole('button', { name: 'Apply to existing mail…' }).click();
      await shown(page.getByText(/Run this rule for real over every message in INBOX/));
      await page.getByRole('button', { name: 'Apply now' }).click();
      const result = page.getByTestId('apply-result');
      await poll(() => attr(result, 'data-state')).toBe('finished');
      // The list mail that was there before the rule, and nothing else.
      expect(before).toBe(early.length + others.length);
      await poll(() => textOf(result.locator('p'))).toBe(
        `Done: ${early.length} of ${before} messages in INBOX changed.`,
      );
      expect(await attr(result, 'data-done')).toBe(String(before));
      expect(await attr(result, 'data-total')).toBe(String(before));
      const exmhBox = await idsIn('Lists/exmh');
      const inbox = await idsIn('INBOX');
      for (const m of early) {
        expect(exmhBox.has(idOf(m))).toBe(true);
        expect(inbox.has(idOf(m))).toBe(false);
      }
      for (const m of others) expect(inbox.has(idOf(m))).toBe(true);
    });

    it('sorts new mail with the saved rule; Activity shows it and Undo puts it back', async () => {
      const { page } = h;
      await waitFor(
        'the engine on the new rules',
        () =>
          h
            .engine()
            ?.status()
            .every((a) => a.state === 'watching') &&
          h.host.config()?.rules.some((r) => r.id === 'exmh'),
      );
      await dovecot.append(USER, 'INBOX', late.raw);
      await waitFor('the list message in Lists/exmh', async () =>
        (await idsIn('Lists/exmh')).has(idOf(late)),
      );
      expect((await idsIn('INBOX')).has(idOf(late))).toBe(false);
      const inbox = await idsIn('INBOX');
      for (const m of others) expect(inbox.has(idOf(m))).toBe(true);

      await page.getByRole('link', { name: 'Activity' }).click();
      const row = page.locator(`tr[data-message-id]`, { hasText: 'exmh' }).filter({
        has: page.getByRole('button', { name: /^Undo/ }),
      });
      await shown(row);
      await poll(() => attr(row, 'data-message-id')).toSatisfy(
        (id: string | null) => normId(id ?? '') === idOf(late),
      );
      await poll(() => textOf(row.getByTestId('rule'))).toBe('exmh');
      await row.getByRole('button', { name: /^Undo/ }).click();
      await waitFor('the message back in INBOX', async () =>
        (await idsIn('INBOX')).has(idOf(late)),
      );
      await shown(page.locator('tr.result-undone'));
      // Back in INBOX it arrives with a new UID, like new mail: the engine sees it, and leaves
      // it alone instead of sorting it straight back.
      await waitFor('the engine to see the message put back', async () =>
        (await h.engine()!.recentActivity(50)).find(
          (e) =>
            e.note === 'put back by Undo; left as it is' &&
            normId(e.messageId ?? '') === idOf(late),
        ),
      );
      expect((await idsIn('INBOX')).has(idOf(late))).toBe(true);
      expect((await idsIn('Lists/exmh')).has(idOf(late))).toBe(false);
    });

    it('cancels an apply run: it stops between batches and leaves the rest untouched', async () => {
      const { page } = h;
      const bulk = corpus.slice(0, BULK_COUNT).map((m) => m.raw);
      await dovecot.appendMany(USER, BULK, bulk);
      // One message per batch, so the run has many places to stop.
      h.settings.update({ engine: { batchSize: 1 } });
      await visit('rules');
      await page.getByRole('button', { name: 'New rule' }).click();
      await page.getByLabel('Name', { exact: true }).fill('everything');
      await page.getByLabel('Field for condition 1').selectOption('size');
      await page.getByLabel('Value for condition 1').fill('0');
      const folder = page.getByRole('combobox', { name: 'Folder for action 1' });
      await present(folder.locator('option', { hasText: ARCHIVE }));
      await folder.selectOption(ARCHIVE);
      await page.getByLabel('Mailbox').selectOption(BULK);
      const apply = page.getByRole('button', { name: 'Apply to existing mail…' });
      await poll(() => enabled(apply)).toBe(true);
      await apply.click();
      await page.getByRole('button', { name: 'Apply now' }).click();
      // Cancel once the first batch is reported: the run is under way, far from its end.
      const progress = page.getByRole('group', { name: 'Apply progress' });
      await poll(() => textOf(progress.getByRole('status'))).toMatch(
        new RegExp(`^[1-9]\\d* of ${BULK_COUNT} `),
      );
      await progress.getByRole('button', { name: 'Cancel' }).click();
      const result = page.getByTestId('apply-result');
      await poll(() => attr(result, 'data-state')).toBe('cancelled');
      const text = (await textOf(result.locator('p'))) ?? '';
      const m = /^Cancelled after (\d+) of (\d+) messages: (\d+) changed/.exec(text);
      expect(m, text).not.toBeNull();
      const [done, total, acted] = [Number(m![1]), Number(m![2]), Number(m![3])];
      expect(total).toBe(BULK_COUNT);
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThan(total);
      expect(acted).toBe(done);
      // Exactly what the run reports moved is in Archive; the rest never left.
      expect((await dovecot.listMessages(USER, ARCHIVE)).length).toBe(acted);
      expect((await dovecot.listMessages(USER, BULK)).length).toBe(BULK_COUNT - acted);
      // The draft was never saved.
      expect(ruleIds()).toEqual(['exmh']);
      h.settings.update({ engine: { batchSize: undefined } });
    });

    it('reorders by keyboard and by drag, duplicates, turns off, deletes with undo', async () => {
      const { page } = h;
      await visit('rules');
      await page.getByRole('button', { name: 'Duplicate: exmh' }).click();
      await poll(() => ruleIds()).toEqual(['exmh', 'exmh-copy']);
      const copyRow = page.locator('[data-rule="exmh-copy"]');
      await shown(copyRow.getByRole('heading', { name: 'exmh (copy)' }));

      // Keyboard: Alt+↑ on a row moves it up, keeps the focus, and says so.
      const edit = page.getByRole('button', { name: 'Edit: exmh (copy)' });
      await edit.focus();
      await page.keyboard.press('Alt+ArrowUp');
      await poll(() => ruleIds()).toEqual(['exmh-copy', 'exmh']);
      await poll(() => textOf(page.getByTestId('announce'))).toBe(
        'Moved “exmh (copy)” to position 1 of 2.',
      );
      await poll(() => edit.evaluate((el) => el === document.activeElement)).toBe(true);
      // The arrow buttons do the same.
      await page.getByRole('button', { name: 'Move down: exmh (copy)' }).click();
      await poll(() => ruleIds()).toEqual(['exmh', 'exmh-copy']);

      // Drag: the copy dropped on the top half of the first row goes before it.
      await copyRow.dragTo(page.locator('[data-rule="exmh"]'), {
        targetPosition: { x: 60, y: 6 },
      });
      await poll(() => ruleIds()).toEqual(['exmh-copy', 'exmh']);
      await poll(() =>
        page.locator('.rule-list > li').evaluateAll((lis) => lis.map((l) => l.dataset.rule)),
      ).toEqual(['exmh-copy', 'exmh']);

      // Off, then delete and undo: back at the same place, still off.
      await page.getByLabel('Enabled: exmh (copy)').uncheck();
      await poll(() => h.settings.get().rules[0]?.enabled).toBe(false);
      await shown(copyRow.getByText('Off', { exact: true }));
      await h.screenshots('rules');
      await page.getByRole('button', { name: 'Delete: exmh (copy)' }).click();
      await poll(() => ruleIds()).toEqual(['exmh']);
      const undo = page.getByRole('button', { name: 'Undo' });
      await poll(() => undo.evaluate((el) => el === document.activeElement)).toBe(true);
      await undo.click();
      await poll(() => ruleIds()).toEqual(['exmh-copy', 'exmh']);
      expect(h.settings.get().rules[0]?.enabled).toBe(false);

      // A double click deletes one rule, not also the one that moves up under the pointer.
      await page.getByRole('button', { name: 'Delete: exmh (copy)' }).dblclick();
      await poll(() => ruleIds()).toEqual(['exmh']);
      // Two deletes in a row: one Undo brings both back, in their order.
      await page.getByRole('button', { name: 'Delete: exmh', exact: true }).click();
      await poll(() => ruleIds()).toEqual([]);
      await shown(page.getByText('Deleted 2 rules: “exmh (copy)”, “exmh”.'));
      await page.getByRole('button', { name: 'Undo' }).click();
      await poll(() => ruleIds()).toEqual(['exmh-copy', 'exmh']);
      await page.getByRole('button', { name: 'Delete: exmh (copy)' }).click();
      await poll(() => ruleIds()).toEqual(['exmh']);
    });

    it('shows a move to a folder the server does not have at the field, until it is fixed', async () => {
      const { page } = h;
      // As an imported rule file could have it.
      h.settings.update({
        rules: [
          ...h.settings.get().rules,
          {
            id: 'ghost',
            name: 'ghost',
            enabled: true,
            match: 'all',
            conditions: [
              {
                field: 'subject',
                op: 'contains',
                value: 'ghost',
                negate: false,
                caseSensitive: false,
              },
            ],
            actions: [{ type: 'move', folder: 'Nowhere' }],
          },
        ],
      });
      await visit('rules');
      await page.getByRole('button', { name: 'Edit: ghost' }).click();
      const folder = page.getByRole('combobox', { name: 'Folder for action 1' });
      await poll(() => attr(folder, 'aria-invalid')).toBe('true');
      const describedBy = await attr(folder, 'aria-describedby');
      await poll(() => textOf(page.locator(`[id="${describedBy}"]`))).toBe(
        `folder Nowhere does not exist on ${USER}`,
      );
      const save = page.getByRole('button', { name: 'Save', exact: true });
      expect(await enabled(save)).toBe(false);
      await folder.selectOption(ARCHIVE);
      await poll(() => attr(folder, 'aria-invalid')).toBe('false');
      await poll(() => enabled(save)).toBe(true);
      await save.click();
      await poll(() => h.settings.get().rules.at(-1)?.actions).toEqual([
        { type: 'move', folder: ARCHIVE },
      ]);
      await visit('rules');
      await page.getByRole('button', { name: 'Delete: ghost' }).click();
      await poll(() => ruleIds()).toEqual(['exmh']);
    });

    it('a category set by a rule is what Test reports; deleting it warns and updates the rule', async () => {
      const { page } = h;
      await visit('categories');
      await shown(page.getByText('No categories yet.'));
      await page.getByRole('button', { name: 'New category' }).click();
      await shown(page.getByRole('heading', { name: 'New category' }));
      const name = page.getByLabel('Name', { exact: true });
      await name.fill('bad name');
      await poll(() => attr(name, 'aria-invalid')).toBe('true');
      await name.fill('lists');
      await page
        .getByLabel('Description')
        .fill('Mail from mailing lists: discussions, digests, announcements.');
      await page.getByRole('button', { name: 'Add action' }).click();
      await page.getByLabel('Action 1', { exact: true }).selectOption('add-keyword');
      await page.getByLabel('Keyword for action 1').fill('list');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await shown(page.getByText('Saved.', { exact: true }));
      expect(h.settings.get().categories).toEqual([
        {
          name: 'lists',
          description: 'Mail from mailing lists: discussions, digests, announcements.',
          actions: [{ type: 'add-keyword', keyword: 'list' }],
        },
      ]);

      // The exmh rule sets it.
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.getByRole('button', { name: 'Edit: exmh' }).click();
      await page.getByRole('button', { name: 'Add action' }).click();
      await page.getByLabel('Action 2', { exact: true }).selectOption('set-category');
      await page.getByLabel('Category for action 2').selectOption('lists');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await shown(page.getByText('Saved. New mail is sorted with it from now on.'));
      expect(h.settings.get().rules[0]).toMatchObject({ id: 'exmh', category: 'lists' });
      await waitFor('the engine on the new rules', () =>
        h.host.config()?.rules.some((r) => r.category === 'lists'),
      );

      // Test on one of the list messages.
      await page.getByRole('link', { name: 'Categories' }).click();
      await shown(page.getByRole('heading', { name: 'lists' }));
      await page.getByLabel('Mailbox').selectOption('Lists/exmh');
      const message = page.getByLabel('Message');
      await present(message.locator('option').first());
      await page.getByRole('button', { name: 'Test', exact: true }).click();
      const outcome = page.getByTestId('category-test');
      await poll(() => textOf(outcome.getByTestId('test-category'))).toBe('lists');
      await poll(() => textOf(outcome.getByTestId('test-by'))).toBe('a rule');
      await poll(() => textOf(outcome.getByTestId('test-rule'))).toBe('exmh');
      await h.screenshots('categories');

      // Deleting it warns (a rule sets it), then takes it out of the rule; Undo restores both.
      await page.getByRole('button', { name: 'Delete: lists' }).click();
      const warning = page.getByRole('alertdialog', { name: 'Delete lists' });
      await shown(warning.getByText(/The rule “exmh” sets this category/));
      await warning.getByRole('button', { name: 'Delete and update the rules' }).click();
      await poll(() => h.settings.get().categories.length).toBe(0);
      expect(h.settings.get().rules[0]?.category).toBeUndefined();
      expect(h.settings.get().rules[0]?.actions).toEqual([{ type: 'move', folder: 'Lists/exmh' }]);
      await page.getByRole('button', { name: 'Undo' }).click();
      await poll(() => h.settings.get().categories.map((c) => c.name)).toEqual(['lists']);
      expect(h.settings.get().rules[0]?.category).toBe('lists');
      await gone(page.getByRole('button', { name: 'Undo' }));
      expect(h.pageErrors).toEqual([]);
    });

    it('Test asks the language model for a message no rule decides, showing its answer and time', async () => {
      const { page } = h;
      const model = await startLlmServer();
      const { rules: savedRules, categories: savedCategories } = h.settings.get();
      try {
        // A scripted OpenAI-compatible server stands in for llama.cpp; the model is switched
        // on in Settings as a user would, and picks "lists" for the message.
        h.settings.update({ llm: { enabled: true, baseUrl: model.baseUrl, model: '' } });
        model.script(answer('lists'));
        // No rule decides anything now, so the model is asked.
        h.settings.update({
          rules: [],
          categories: [{ name: 'lists', description: 'Mail from mailing lists.', actions: [] }],
        });
        await page.goto(h.url('categories'));
        await shown(page.getByRole('heading', { name: 'lists' }));
        await page.getByLabel('Mailbox').selectOption('INBOX');
        await present(page.getByLabel('Message').locator('option').first());
        await page.getByRole('button', { name: 'Test', exact: true }).click();
        const outcome = page.getByTestId('category-test');
        await poll(() => textOf(outcome.getByTestId('test-by'))).toBe('the language model');
        await poll(() => textOf(outcome.getByTestId('test-category'))).toBe('lists');
        await shown(outcome.getByText('{"category":"lists"}'));
        await shown(outcome.getByText(/^\d+ ms$/));
        // What Solon sent: temperature 0, the reply held to the category names (or "none").
        const sent = model.chats().at(-1)?.body;
        expect(sent?.temperature).toBe(0);
        expect(JSON.stringify(sent?.response_format)).toContain('"lists"');
        expect(JSON.stringify(sent?.response_format)).toContain('"none"');
        await h.screenshots('categories-llm');
        expect(h.pageErrors).toEqual([]);
      } finally {
        h.settings.update({
          llm: { enabled: false },
          rules: savedRules,
          categories: savedCategories,
        });
        await model.close();
      }
    });
  },
);
