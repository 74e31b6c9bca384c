/**
 * The window in Debian Chromium, talking through window.solon (buildApi from the contract) to
 * the same handlers the main process registers, over a real engine watching a private Dovecot
 * that receives real corpus mail. Screenshots of each view, light and dark, land in
 * test-results/screenshots/.
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

const USER = 'rita';
const DEADLINE = 15_000;

// playwright-core has no expect: wait on locators with deadlines, poll text through vitest.
const shown = (l: Locator): Promise<void> => l.waitFor({ state: 'visible', timeout: DEADLINE });
const textOf = (l: Locator): Promise<string | null> => l.textContent({ timeout: DEADLINE });
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: DEADLINE, interval: 50 });

const PASSWORD = 'rita-pw';

describe.skipIf(chromiumMissing)(
  `the window in Chromium${chromiumMissing ? ` — skipped: ${chromiumMissing}` : ''}`,
  () => {
    let dovecot: Dovecot;
    let h: RendererHarness;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
      for (const f of demoFolders()) await dovecot.createMailbox(USER, f);
      h = await startRendererHarness({ dovecot, user: USER, password: PASSWORD });
    }, 90_000);

    afterAll(async () => {
      await h?.stop();
      await dovecot?.stop();
    });

    it('shows the account reach watching, live', async () => {
      const { page } = h;
      await page.goto(h.url('status'));
      // The engine starts after the page has loaded: only a pushed status.changed can show it.
      // Before the engine starts there is no account to show: the empty state.
      await shown(page.getByText('No account yet.'));
      await h.seed();
      const card = page.getByRole('article', { name: `Account ${USER}` });
      await poll(() => textOf(card.getByTestId('account-state'))).toBe('Watching');
      expect(
        await page.getByRole('button', { name: 'Check now' }).isEnabled({ timeout: DEADLINE }),
      ).toBe(true);
      expect(
        await card.getByRole('button', { name: 'Pause' }).isEnabled({ timeout: DEADLINE }),
      ).toBe(true);
      await h.screenshots('status');

      // Pause and Resume go through engine.pause / engine.resume; the state follows live.
      await card.getByRole('button', { name: 'Pause' }).click();
      await poll(() => textOf(card.getByTestId('account-state'))).toBe('Paused');
      await card.getByRole('button', { name: 'Resume' }).click();
      await poll(() => textOf(card.getByTestId('account-state'))).toBe('Watching');
    });

    it('lists a delivered message with its rule, and Undo puts it back on the server', async () => {
      const { page } = h;
      await page.goto(h.url('activity'));
      await shown(page.getByText('Nothing handled yet'));

      const m = distinctById(spamAssassinMessages({ groups: ['easy-ham-1'], limit: 400 })).find(
        (c) => expectedFolder(c) === 'Lists/exmh',
      );
      if (!m) throw new Error('the corpus has no exmh list message');
      await dovecot.append(USER, 'INBOX', m.raw);

      // Arrives by the pushed activity.appended event (no reload).
      const row = page.locator('tr.result-done', { hasText: 'exmh lists' });
      await shown(row);
      await poll(() => textOf(row.getByTestId('rule'))).toBe('exmh lists');
      await poll(() => textOf(row.getByTestId('result'))).toBe('Done');
      const inFolder = async (box: string): Promise<boolean> =>
        (await dovecot.listMessages(USER, box)).some((x) => normId(x.messageId) === idOf(m));
      expect(await inFolder('Lists/exmh')).toBe(true);
      expect(await inFolder('INBOX')).toBe(false);

      // Search goes through activity.recent with a query.
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.fill('no such text anywhere');
      await shown(page.getByText('Nothing matches'));
      await search.fill('exmh');
      await shown(row);
      await h.screenshots('activity');

      await row.getByRole('button', { name: /^Undo/ }).click();
      await poll(() => page.locator('tr.result-undone').count()).toBe(1);
      await poll(() => textOf(row.getByRole('button', { name: /^Undo/ }))).toBe('Undone');
      await waitFor('the message back in INBOX', () => inFolder('INBOX'));
      // It arrives there as new mail; the engine leaves it alone rather than sort it again.
      await waitFor('the engine to see it put back', async () =>
        (await h.engine()!.recentActivity(20)).some(
          (e) => e.note?.startsWith('put back by Undo') && normId(e.messageId ?? '') === idOf(m),
        ),
      );
      expect(await inFolder('INBOX')).toBe(true);
      expect(await inFolder('Lists/exmh')).toBe(false);
    });

    it('lists the rules in the order they run', async () => {
      const { page } = h;
      await page.goto(h.url('rules'));
      await shown(page.getByRole('heading', { name: 'exmh lists' }));
      // The editor, the regex check at the field and the screenshots: rules-editor.test.ts.
      const names = await page
        .getByRole('list', { name: 'Rules, in the order they run' })
        .getByRole('heading')
        .allTextContents();
      expect(names.map((n) => n.replace(/Off$/, ''))).toEqual(
        h.settings.get().rules.map((r) => r.name),
      );
    });

    it('shows the add-an-account screen and navigates by keyboard', async () => {
      const { page } = h;
      await page.goto(h.url('accounts'));
      await poll(() => textOf(page.getByRole('heading', { level: 1 }))).toBe('Accounts');
      await h.screenshots('accounts');
      // Focus on the heading, where arriving from another screen puts it: Tab goes on into the
      // screen, Shift+Tab back out to the sections.
      await page.getByRole('heading', { level: 1 }).focus();
      await page.keyboard.press('Tab');
      await poll(() =>
        page
          .getByRole('button', { name: 'Add account' })
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await page.keyboard.press('Shift+Tab');
      await poll(() =>
        page
          .getByRole('link', { name: 'Settings' })
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/settings$/, { timeout: DEADLINE });
      await poll(() => textOf(page.getByRole('heading', { level: 1 }))).toBe('Settings');
      expect(h.pageErrors).toEqual([]);
    });
  },
);
