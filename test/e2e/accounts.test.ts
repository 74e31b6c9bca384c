/**
 * The Accounts view in Debian Chromium, through window.solon to the real handlers, AppHost and
 * engine, against a private Dovecot: first-run onboarding (a wrong password, then the right
 * one, a non-ASCII folder picked), connection failures at their fields, editing the mailboxes,
 * removing the account. Screenshots land in test-results/screenshots/accounts-*.
 */
import { createServer } from 'node:net';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import {
  chromiumMissing,
  startRendererHarness,
  type RendererHarness,
} from '../helpers/renderer-harness.js';
import { deriveId } from '../../src/renderer/accounts/draft.js';
import { Account } from '../../src/shared/domain/account.js';

const USER = 'nora';
const PASSWORD = 'nora-pw';
/** Non-ASCII folder names: Dovecot lists them in modified UTF-7 (&BBAEQARFBDgEMg-). */
const ARCHIVE = 'Архив';
const DRAFTS = 'Entwürfe';
const DEADLINE = 15_000;

const shown = (l: Locator): Promise<void> => l.waitFor({ state: 'visible', timeout: DEADLINE });
const textOf = (l: Locator): Promise<string | null> => l.textContent({ timeout: DEADLINE });
const attr = (l: Locator, name: string): Promise<string | null> =>
  l.getAttribute(name, { timeout: DEADLINE });
const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: DEADLINE, interval: 50 });

/** A loopback port nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

describe.skipIf(chromiumMissing)(
  `the Accounts view in Chromium${chromiumMissing ? ` — skipped: ${chromiumMissing}` : ''}`,
  () => {
    let dovecot: Dovecot;
    let h: RendererHarness;
    let id: string;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
      await dovecot.createMailbox(USER, ARCHIVE);
      await dovecot.createMailbox(USER, DRAFTS);
      h = await startRendererHarness({ dovecot, user: USER, password: PASSWORD });
      id = deriveId(USER, h.account.host);
    }, 90_000);

    afterAll(async () => {
      await h?.stop();
      await dovecot?.stop();
    });

    it('first run: onboarding shows a wrong password at its field, then adds the account', async () => {
      const { page } = h;
      await page.goto(h.url('accounts'));
      await poll(() => textOf(page.getByRole('heading', { level: 1 }))).toBe('Accounts');
      await shown(page.getByRole('heading', { name: 'Welcome to Solon' }));
      await shown(page.getByText(/kept in the system keychain/).first());
      const form = page.getByRole('form', { name: 'Add your mail account' });
      await h.screenshots('accounts-onboarding');

      await form.getByLabel('User name').fill(USER);
      await form.getByLabel('IMAP server').fill(h.account.host);
      await form.getByLabel('Port').fill(String(h.account.port));
      await form.getByLabel('Security').selectOption('implicit');
      // The id follows the user and host.
      await poll(() => form.getByLabel('Account name').inputValue()).toBe(id);
      await form.getByText('Advanced').click();
      await form.getByLabel('CA certificate file').fill(h.account.caFile!);
      const password = form.getByLabel('Password', { exact: true });
      await password.fill('not-the-password');

      await form.getByRole('button', { name: 'Test connection' }).click();
      const alert = page.getByRole('alert');
      await poll(() => textOf(alert)).toMatch(/wrong user name or password/);
      await poll(() => attr(password, 'aria-invalid')).toBe('true');
      const alertId = await attr(alert, 'id');
      expect(alertId).toBeTruthy();
      expect(await attr(password, 'aria-describedby')).toContain(alertId);
      // Focus lands on the field to fix; a wrong password is not something to "save anyway".
      await poll(() => password.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await form.getByRole('button', { name: 'Add anyway' }).count()).toBe(0);
      await h.screenshots('accounts-wrong-password');
      // Adding runs the same test and keeps nothing.
      await form.getByRole('button', { name: 'Add account' }).click();
      await poll(() => textOf(alert)).toMatch(/wrong user name or password/);
      expect(h.settings.get().accounts).toEqual([]);

      // Typing clears the error at once.
      await password.fill(PASSWORD);
      await poll(() => attr(password, 'aria-invalid')).toBe('false');
      await form.getByRole('button', { name: 'Test connection' }).click();
      await poll(() => textOf(form.getByRole('status'))).toMatch(/^Connected\. .*IDLE/);
      // The picker: the server's folders by their decoded names, INBOX chosen.
      const archive = form.getByRole('checkbox', { name: ARCHIVE, exact: true });
      await shown(archive);
      await shown(form.getByRole('checkbox', { name: DRAFTS, exact: true }));
      expect(await form.getByRole('checkbox', { name: 'INBOX' }).isChecked()).toBe(true);
      expect(await archive.isChecked()).toBe(false);
      expect(await page.getByText('&BBAEQARFBDgEMg-').count()).toBe(0);
      await archive.check();
      await h.screenshots('accounts-test-ok');

      await form.getByRole('button', { name: 'Add account' }).click();
      await page.waitForURL(/#\/status$/, { timeout: DEADLINE });
      const card = page.getByRole('article', { name: `Account ${id}` });
      // Pushed status: the engine starts after the save, the card follows to Watching.
      await poll(() => textOf(card.getByTestId('account-state'))).toBe('Watching');
      expect(h.settings.get().accounts).toEqual([
        Account.parse({ ...h.account, id, mailboxes: ['INBOX', ARCHIVE] }),
      ]);
      expect(h.settings.get().accounts[0]!.password).toEqual({ keychain: true });
      expect(await h.secrets.hasPassword(id)).toBe(true);
      expect(await h.secrets.password(id)).toBe(PASSWORD);
      expect(JSON.stringify(h.settings.get())).not.toContain(PASSWORD);
      // Both mailboxes are watched, the non-ASCII one by its Unicode path.
      await poll(() =>
        Promise.resolve(
          (h.engine()?.status() ?? []).flatMap((s) =>
            s.mailboxes.map((m) => [s.accountId, m.mailbox, m.state]),
          ),
        ),
      ).toEqual([
        [id, 'INBOX', 'watching'],
        [id, ARCHIVE, 'watching'],
      ]);
    });

    it('names a server that does not resolve and a closed port at their fields', async () => {
      const { page } = h;
      await page.goto(h.url('accounts'));
      await shown(page.getByRole('article', { name: `Account ${id}` }));
      await page.getByRole('button', { name: 'Add account' }).click();
      const form = page.getByRole('form', { name: 'Add an account' });
      await poll(() =>
        form.getByRole('heading').evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await form.getByLabel('User name').fill(USER);
      const host = form.getByLabel('IMAP server');
      await host.fill('no-such-host.invalid');
      await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
      // The name is taken by the first account: the derived one differs.
      await poll(() => form.getByLabel('Account name').inputValue()).toBe(
        'nora-no-such-host-invalid',
      );

      await form.getByRole('button', { name: 'Test connection' }).click();
      const alert = page.getByRole('alert');
      await poll(() => textOf(alert)).toMatch(/Cannot find the server "no-such-host\.invalid"/);
      await poll(() => attr(host, 'aria-invalid')).toBe('true');
      // A server that cannot be reached now may be reachable later: saving it is allowed.
      await shown(form.getByRole('button', { name: 'Add anyway' }));

      const port = form.getByLabel('Port');
      const closed = await closedPort();
      await host.fill('127.0.0.1');
      await port.fill(String(closed));
      await poll(() => form.getByLabel('Account name').inputValue()).toBe(`${id}-2`);
      // Changing the connection retires the old answer.
      expect(await form.getByRole('button', { name: 'Add anyway' }).count()).toBe(0);
      await form.getByRole('button', { name: 'Test connection' }).click();
      await poll(() => textOf(alert)).toMatch(
        new RegExp(`127\\.0\\.0\\.1:${closed} refused the connection`),
      );
      await poll(() => attr(port, 'aria-invalid')).toBe('true');
      expect(await attr(host, 'aria-invalid')).toBe('false');

      await form.getByRole('button', { name: 'Cancel' }).click();
      await shown(page.getByRole('article', { name: `Account ${id}` }));
      expect(h.settings.get().accounts.map((a) => a.id)).toEqual([id]);
      await h.screenshots('accounts-list');
    });

    it('edits the mailboxes to watch', async () => {
      const { page } = h;
      await page.goto(h.url('accounts'));
      const card = page.getByRole('article', { name: `Account ${id}` });
      await poll(() => textOf(card.getByTestId('mailboxes'))).toBe(`INBOX, ${ARCHIVE}`);
      await card.getByRole('button', { name: 'Edit' }).click();
      const form = page.getByRole('form', { name: `Edit “${id}”` });
      // Write-only: the password field starts empty and says one is saved.
      const password = form.getByLabel('Password', { exact: true });
      expect(await password.inputValue()).toBe('');
      await shown(form.getByText(/A password is saved in the system keychain/));
      expect(await form.getByLabel('Account name').getAttribute('readonly')).not.toBeNull();
      // The saved account's folders, from the server.
      const archive = form.getByRole('checkbox', { name: ARCHIVE, exact: true });
      await shown(form.getByRole('checkbox', { name: DRAFTS, exact: true }));
      expect(await archive.isChecked()).toBe(true);
      await archive.uncheck();
      await form.getByRole('button', { name: 'Save' }).click();

      await poll(() => textOf(page.getByRole('status'))).toMatch(`Saved “${id}”`);
      await poll(() => textOf(card.getByTestId('mailboxes'))).toBe('INBOX');
      expect(h.settings.get().accounts.map((a) => a.mailboxes)).toEqual([['INBOX']]);
      expect(await h.secrets.password(id)).toBe(PASSWORD);
      // The engine restarted on the new settings: one mailbox now.
      await poll(() =>
        Promise.resolve(
          (h.engine()?.status() ?? []).flatMap((s) => s.mailboxes.map((m) => [m.mailbox, m.state])),
        ),
      ).toEqual([['INBOX', 'watching']]);
    });

    it('removes the account after a confirmation naming it, back to onboarding', async () => {
      const { page } = h;
      await page.goto(h.url('accounts'));
      const card = page.getByRole('article', { name: `Account ${id}` });
      await card.getByRole('button', { name: 'Remove' }).click();
      const dialog = page.getByRole('dialog', { name: `Remove the account “${id}”?` });
      await shown(dialog);
      await h.screenshots('accounts-remove');
      // Cancel has focus; Escape keeps the account.
      await poll(() =>
        dialog
          .getByRole('button', { name: 'Cancel' })
          .evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden', timeout: DEADLINE });
      expect(h.settings.get().accounts.map((a) => a.id)).toEqual([id]);

      await card.getByRole('button', { name: 'Remove' }).click();
      await dialog.getByRole('button', { name: 'Remove account' }).click();
      await shown(page.getByRole('heading', { name: 'Welcome to Solon' }));
      expect(h.settings.get().accounts).toEqual([]);
      // Its password left the keychain with it.
      await poll(() => h.secrets.hasPassword(id)).toBe(false);
      await poll(() => Promise.resolve(h.engine()?.status() ?? [])).toEqual([]);
      expect(h.pageErrors).toEqual([]);
    });

    it('an imported account’s password command is shown read-only, and Test uses it', async () => {
      const { page } = h;
      const imported = (command: string) =>
        Account.parse({ ...h.account, id: 'imported', password: { command } });
      h.settings.update({ accounts: [imported('exit 3')] });
      await page.goto(h.url('status'));
      await page.goto(h.url('accounts'));
      const card = page.getByRole('article', { name: 'Account imported' });
      await poll(() => textOf(card)).toMatch(/From the command “exit 3”/);
      await card.getByRole('button', { name: 'Edit' }).click();
      const form = page.getByRole('form', { name: 'Edit “imported”' });
      const password = form.getByLabel('Password', { exact: true });
      expect(await password.getAttribute('readonly')).not.toBeNull();
      expect(await password.inputValue()).toBe('From the command “exit 3”');
      expect(await attr(password, 'aria-describedby')).toBeTruthy();
      await shown(form.getByText(/comes from a config file/));

      // Without a typed password the test asks the account's own source: here it fails.
      await form.getByRole('button', { name: 'Test connection' }).click();
      const alert = page.getByRole('alert');
      await poll(() => textOf(alert)).toMatch(/password command exited with 3/);
      await poll(() => attr(password, 'aria-invalid')).toBe('true');
      await form.getByRole('button', { name: 'Cancel' }).click();

      h.settings.update({ accounts: [imported(`echo ${PASSWORD}`)] });
      await page.goto(h.url('status'));
      await page.goto(h.url('accounts'));
      await card.getByRole('button', { name: 'Edit' }).click();
      await form.getByRole('button', { name: 'Test connection' }).click();
      await poll(() => textOf(form.getByRole('status'))).toMatch(/^Connected\./);
      // Saving keeps the command: no password was typed, none goes to the keychain.
      await form.getByRole('checkbox', { name: DRAFTS, exact: true }).check();
      await form.getByRole('button', { name: 'Save' }).click();
      await poll(() => textOf(page.getByRole('status'))).toMatch('Saved “imported”');
      expect(h.settings.get().accounts).toEqual([
        { ...imported(`echo ${PASSWORD}`), mailboxes: ['INBOX', DRAFTS] },
      ]);
      expect(await h.secrets.hasPassword('imported')).toBe(false);
      await h.reset();
      expect(h.pageErrors).toEqual([]);
    });
  },
);
