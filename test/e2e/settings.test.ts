/**
 * Settings, the Status view's per-account controls and the Activity view's filters, in Debian
 * Chromium through window.solon (buildApi from the contract) to the real handlers, settings
 * store and engine, watching a private Dovecot with two users that receive real corpus mail.
 * Screenshots (light and dark) land in test-results/screenshots/: settings, status-accounts,
 * activity-filtered.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account } from '../../src/shared/domain/account.js';
import type { AccountStatus } from '../../src/shared/domain/status.js';
import { Rule, type RuleInput } from '../../src/shared/domain/rule.js';
import { spamAssassinMessages, type CorpusMessage } from '../helpers/corpus.js';
import { distinctById, expectedFolder, rawHeader } from '../helpers/corpus-expect.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import {
  chromiumMissing,
  startRendererHarness,
  type RendererHarness,
} from '../helpers/renderer-harness.js';
import { demoFolders, demoRules } from '../helpers/solon-config.js';
import { startLlmServer, type LlmServer } from '../helpers/llm-server.js';

const RITA = { user: 'rita', password: 'rita-pw' };
const SAM = { user: 'sam', password: 'sam-pw' };
const DEADLINE = 15_000;

// playwright-core has no expect: wait on locators with deadlines, poll values through vitest.
const shown = (l: Locator): Promise<void> => l.waitFor({ state: 'visible', timeout: DEADLINE });
const gone = (l: Locator): Promise<void> => l.waitFor({ state: 'hidden', timeout: DEADLINE });
const textOf = (l: Locator): Promise<string | null> => l.textContent({ timeout: DEADLINE });
const attr = (l: Locator, name: string): Promise<string | null> =>
  l.getAttribute(name, { timeout: DEADLINE });
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: DEADLINE, interval: 50 });

/** The demo rule that moves money talk does not move: a message no demo rule touches at all. */
function matchesNoDemoRule(m: CorpusMessage): boolean {
  if (expectedFolder(m) !== 'INBOX') return false;
  const subject = rawHeader(m.raw, 'Subject') ?? '';
  const text = m.raw.toString('latin1');
  return (
    !/\b(mortgage|loan|debt|refinance|\$\$\$)/i.test(subject) &&
    !text.includes('remove yourself from this list') &&
    /^[\x20-\x7e]{12,60}$/.test(subject) // plain ASCII, so the search below can type it
  );
}

describe.skipIf(chromiumMissing)(
  `settings, per-account controls and activity filters${chromiumMissing ? ` — skipped: ${chromiumMissing}` : ''}`,
  () => {
    let dovecot: Dovecot;
    let h: RendererHarness;
    let tmp: string;
    let llm: LlmServer;
    const corpus = distinctById(spamAssassinMessages({ groups: ['easy-ham-1'], limit: 600 }));

    const stateOf = (id: string): AccountStatus['state'] | undefined =>
      h
        .engine()
        ?.status()
        .find((a) => a.accountId === id)?.state;

    /** Both users as accounts (passwords in the keychain), the demo rules, all watching. */
    async function twoAccounts(rules: RuleInput[] = demoRules()): Promise<void> {
      await h.secrets.setPassword(RITA.user, RITA.password);
      await h.secrets.setPassword(SAM.user, SAM.password);
      h.settings.update({
        accounts: [
          Account.parse(h.account),
          Account.parse({ ...h.account, id: SAM.user, user: SAM.user }),
        ],
        rules: rules.map((r) => Rule.parse(r)),
      });
      await poll(() => {
        const s = h.engine()?.status() ?? [];
        return (
          s.length === 2 &&
          s.every((a) => a.state === 'watching') &&
          JSON.stringify(h.host.config()?.rules.map((r) => r.id)) ===
            JSON.stringify(rules.map((r) => r.id))
        );
      }).toBe(true);
    }

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'solon-settings-test-'));
      dovecot = await startDovecot({ users: [RITA, SAM] });
      for (const u of [RITA, SAM])
        for (const f of demoFolders()) await dovecot.createMailbox(u.user, f);
      h = await startRendererHarness({ dovecot, ...RITA });
      llm = await startLlmServer();
    }, 90_000);

    afterAll(async () => {
      await llm?.close();
      await h?.stop();
      await dovecot?.stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('saves each switch on its own, at once', async () => {
      await h.seed();
      const { page } = h;
      await page.goto(h.url('settings'));
      const connectionLost = page.getByRole('switch', { name: 'Connection lost' });
      expect(await connectionLost.isChecked({ timeout: DEADLINE })).toBe(true);

      await connectionLost.click();
      await poll(() => h.settings.get().notifications.connectionLost).toBe(false);
      // A patch names one key: the master switch and the rule switch are left as they were.
      expect(h.settings.get().notifications).toEqual({
        enabled: true,
        connectionLost: false,
        ruleNotify: true,
      });
      expect(await connectionLost.isChecked()).toBe(false);

      const atLogin = page.getByRole('switch', { name: 'Start at login' });
      expect(await atLogin.isChecked({ timeout: DEADLINE })).toBe(false);
      await atLogin.click();
      await poll(() => h.settings.get().startAtLogin).toBe(true);

      // The master switch off greys out the two under it (their values are kept).
      await page.getByRole('switch', { name: 'Show notifications' }).click();
      await poll(() => h.settings.get().notifications.enabled).toBe(false);
      expect(await connectionLost.isDisabled()).toBe(true);
      await page.getByRole('switch', { name: 'Show notifications' }).click();
      await poll(() => h.settings.get().notifications).toEqual({
        enabled: true,
        connectionLost: false,
        ruleNotify: true,
      });

      // Survives a reload: the window shows what was saved.
      await page.reload();
      expect(
        await page
          .getByRole('switch', { name: 'Connection lost' })
          .isChecked({ timeout: DEADLINE }),
      ).toBe(false);
      expect(await page.getByRole('switch', { name: 'Start at login' }).isChecked()).toBe(true);
    });

    it('exports the rules, refuses a bad file naming the field, and imports after asking', async () => {
      const { page } = h;
      await page.goto(h.url('settings'));
      const demoIds = demoRules().map((r) => r.id);

      await page.getByRole('button', { name: 'Export…' }).click();
      await poll(() => h.files.exported).toBeDefined();
      await poll(() => textOf(page.getByTestId('rules-file-note'))).toBe(
        `Saved to ${h.files.exported}`,
      );
      const doc = JSON.parse(await readFile(h.files.exported!, 'utf8')) as {
        format: string;
        rules: { id: string }[];
      };
      expect(doc.format).toBe('solon-rules');
      expect(doc.rules.map((r) => r.id)).toEqual(demoIds);

      // A cancelled dialog (no file picked): nothing happens, nothing is said.
      h.files.importFrom = undefined;
      await page.getByRole('button', { name: 'Import…' }).click();
      await poll(() => page.getByRole('dialog').count()).toBe(0);

      // A rule with a pattern RE2 refuses: the error names the field; nothing is saved.
      const bad = join(tmp, 'bad.json');
      await writeFile(
        bad,
        JSON.stringify({
          format: 'solon-rules',
          version: 1,
          rules: [
            {
              id: 'look',
              name: 'Lookahead',
              conditions: [{ field: 'subject', op: 'matches', value: '(?=x)y' }],
              actions: [{ type: 'flag' }],
            },
          ],
        }),
      );
      h.files.importFrom = bad;
      await page.getByRole('button', { name: 'Import…' }).click();
      const error = page.getByTestId('rules-file-error');
      await poll(() => textOf(error)).toContain('rules[0].conditions[0].value');
      expect(await attr(error, 'role')).toBe('alert');
      expect(await page.getByRole('dialog').count()).toBe(0);
      expect(h.settings.get().rules.map((r) => r.id)).toEqual(demoIds);

      const good: RuleInput[] = [
        {
          id: 'team-exmh',
          name: 'Team: exmh',
          conditions: [{ field: 'list-id', op: 'contains', value: 'exmh' }],
          actions: [{ type: 'move', folder: 'Lists/exmh' }, { type: 'stop' }],
        },
        {
          id: 'team-flag',
          name: 'Team: flag the boss',
          conditions: [{ field: 'from', op: 'contains', value: 'boss@example.org' }],
          actions: [{ type: 'flag' }],
        },
      ];
      const goodFile = join(tmp, 'team-rules.json');
      await writeFile(goodFile, JSON.stringify({ format: 'solon-rules', version: 1, rules: good }));
      h.files.importFrom = goodFile;

      // Asked first; Cancel keeps everything.
      await page.getByRole('button', { name: 'Import…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import rules' });
      await shown(dialog);
      expect(await textOf(dialog)).toContain(
        `Replace your ${demoIds.length} rules and 0 categories with 2 rules and 0 categories from team-rules.json?`,
      );
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await gone(dialog);
      expect(h.settings.get().rules.map((r) => r.id)).toEqual(demoIds);

      await page.getByRole('button', { name: 'Import…' }).click();
      await shown(dialog);
      await dialog.getByRole('button', { name: 'Replace' }).click();
      await gone(dialog);
      await poll(() => h.settings.get().rules).toEqual(good.map((r) => Rule.parse(r)));
      await poll(() => textOf(page.getByTestId('rules-file-note'))).toBe(
        'Imported 2 rules and 0 categories.',
      );
    });

    it('edits the model endpoint with errors at the field, tests it against a real server, keeps the key in the keychain', async () => {
      const { page } = h;
      await page.goto(h.url('settings'));
      const url = page.getByLabel('Endpoint URL', { exact: true });
      const save = page.getByRole('button', { name: 'Save', exact: true });
      expect(await save.isDisabled({ timeout: DEADLINE })).toBe(true); // nothing changed yet

      await url.fill('ftp://127.0.0.1/v1');
      await page.getByLabel('Timeout', { exact: true }).fill('0');
      await save.click();
      await poll(() => attr(url, 'aria-invalid')).toBe('true');
      await poll(() => attr(page.getByLabel('Timeout', { exact: true }), 'aria-invalid')).toBe(
        'true',
      );
      const urlError = (await attr(url, 'aria-describedby'))!
        .split(' ')
        .find((x) => /error/.test(x));
      expect(await textOf(page.locator(`[id="${urlError}"]`))).toMatch(/http:\/\/ or https:\/\//);
      expect(await url.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(h.settings.get().llm.baseUrl).toBe('http://127.0.0.1:8080/v1');

      await url.fill('http://127.0.0.1:11434/v1');
      await page.getByLabel('Timeout', { exact: true }).fill('90');
      await page.getByLabel('Model', { exact: true }).fill('qwen2.5:7b');
      await save.click();
      await poll(() => h.settings.get().llm).toMatchObject({
        baseUrl: 'http://127.0.0.1:11434/v1',
        timeoutMs: 90_000,
        model: 'qwen2.5:7b',
        enabled: false, // a Save of text fields leaves the switch alone
      });
      await poll(() => attr(url, 'aria-invalid')).toBe('false');
      await poll(() => textOf(page.getByRole('status').filter({ hasText: 'Saved.' }))).toBe(
        'Saved.',
      );

      await page.getByRole('switch', { name: 'Use a language model for categories' }).click();
      await poll(() => h.settings.get().llm.enabled).toBe(true);

      // Test endpoint tries the unsaved URL against a real (scripted) OpenAI-compatible server.
      await url.fill(llm.baseUrl);
      await page.getByLabel('Model', { exact: true }).fill(''); // the server's own model
      await page.getByRole('button', { name: 'Test endpoint' }).click();
      await shown(page.getByText(/The endpoint answered in \d+ ms and lists one model\./));
      await shown(page.getByRole('list', { name: 'Models on the server' }).getByText('test-model'));
      expect(llm.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
      expect(llm.requests.at(-1)?.headers.authorization).toBeUndefined();

      // The key goes to the keychain (never the settings file) and is sent from then on.
      await page.getByLabel('API key', { exact: true }).fill('sk-test');
      await page.getByRole('button', { name: 'Save key' }).click();
      await shown(page.getByText('The key is saved.'));
      expect(h.settings.get().llm.apiKey).toEqual({ keychain: true });
      expect(JSON.stringify(h.settings.get())).not.toContain('sk-test');
      await page.getByRole('button', { name: 'Test endpoint' }).click();
      await poll(() => llm.requests.filter((r) => r.path === '/v1/models').length).toBe(2);
      expect(llm.requests.at(-1)?.headers.authorization).toBe('Bearer sk-test');
      expect(await page.getByRole('alert').count()).toBe(0);

      // Data: the folder from app.info.
      expect(await textOf(page.getByTestId('data-dir'))).toMatch(/[\\/]data$/);
      await page.getByRole('button', { name: 'Open folder' }).click();
      await shown(page.getByTestId('secrets-note'));
      expect(await page.getByRole('alert').count()).toBe(0);

      await h.screenshots('settings');
    });

    it('pauses, resumes and reconnects one account, leaving the other watching', async () => {
      await twoAccounts();
      const { page } = h;
      await page.goto(h.url('status'));
      const rita = page.getByRole('article', { name: `Account ${RITA.user}` });
      const sam = page.getByRole('article', { name: `Account ${SAM.user}` });
      await poll(() => textOf(rita.getByTestId('account-state'))).toBe('Watching');
      await poll(() => textOf(sam.getByTestId('account-state'))).toBe('Watching');

      await rita.getByRole('button', { name: 'Pause' }).click();
      await poll(() => textOf(rita.getByTestId('account-state'))).toBe('Paused');
      await poll(() => stateOf(RITA.user)).toBe('suspended');
      expect(stateOf(SAM.user)).toBe('watching');
      expect(await textOf(sam.getByTestId('account-state'))).toBe('Watching');
      // A paused account offers Resume; the all-accounts control still pauses the rest.
      await shown(rita.getByRole('button', { name: 'Resume' }));
      expect(await sam.getByRole('button', { name: 'Pause' }).isEnabled()).toBe(true);
      await shown(page.getByRole('button', { name: 'Pause all' }));
      await h.screenshots('status-accounts');

      await rita.getByRole('button', { name: 'Resume' }).click();
      await poll(() => textOf(rita.getByTestId('account-state'))).toBe('Watching');
      await poll(() => stateOf(RITA.user)).toBe('watching');

      // Reconnect now also leaves a pause.
      await sam.getByRole('button', { name: 'Pause' }).click();
      await poll(() => stateOf(SAM.user)).toBe('suspended');
      await poll(() => textOf(sam.getByTestId('account-state'))).toBe('Paused');
      await sam.getByRole('button', { name: 'Reconnect now' }).click();
      await poll(() => stateOf(SAM.user)).toBe('watching');
      await poll(() => textOf(sam.getByTestId('account-state'))).toBe('Watching');
      expect(stateOf(RITA.user)).toBe('watching');

      // Pause all, then Resume all.
      await page.getByRole('button', { name: 'Pause all' }).click();
      await poll(() => [stateOf(RITA.user), stateOf(SAM.user)]).toEqual(['suspended', 'suspended']);
      await page.getByRole('button', { name: 'Resume all' }).click();
      await poll(() => [stateOf(RITA.user), stateOf(SAM.user)]).toEqual(['watching', 'watching']);
    });

    it('filters activity by result and account, with the search, and errors stand out', async () => {
      await twoAccounts();
      const { page } = h;
      await page.goto(h.url('activity'));
      await shown(page.getByText('Nothing handled yet'));

      const sorted = corpus.find((c) => expectedFolder(c) === 'Lists/exmh');
      const [plain, samsOwn, broken] = corpus.filter(matchesNoDemoRule);
      if (!sorted || !plain || !samsOwn || !broken) throw new Error('the corpus lacks a message');
      const subject = (m: CorpusMessage) => rawHeader(m.raw, 'Subject')!;
      await dovecot.append(RITA.user, 'INBOX', sorted.raw);
      await dovecot.append(RITA.user, 'INBOX', plain.raw);
      await dovecot.append(SAM.user, 'INBOX', samsOwn.raw);

      const rows = page.locator('tbody tr');
      const row = (m: CorpusMessage) => page.locator('tbody tr', { hasText: subject(m) });
      await shown(row(sorted));
      await shown(row(plain));
      await shown(row(samsOwn));
      expect(await textOf(row(sorted).getByTestId('result'))).toBe('Done');

      const show = page.getByLabel('Show', { exact: true });
      const account = page.getByLabel('Account', { exact: true });
      const search = page.getByRole('searchbox', { name: 'Search' });

      await show.selectOption({ label: 'No rule matched' });
      await poll(() => rows.count()).toBe(2);
      expect(await row(plain).count()).toBe(1);
      expect(await row(samsOwn).count()).toBe(1);
      expect(await row(sorted).count()).toBe(0);

      // Two accounts: the Account menu narrows to one.
      await account.selectOption(RITA.user);
      await poll(() => rows.count()).toBe(1);
      expect(await row(plain).count()).toBe(1);
      await account.selectOption({ label: 'All accounts' });
      await poll(() => rows.count()).toBe(2);

      // The search narrows further; a search and a filter that meet nothing say so.
      await search.fill(subject(samsOwn));
      await poll(() => rows.count()).toBe(1);
      expect(await row(samsOwn).count()).toBe(1);
      await search.fill(subject(sorted));
      await shown(page.getByText('with this filter'));
      await page.getByRole('button', { name: 'Show everything' }).click();
      await poll(() => rows.count()).toBe(1);
      expect(await row(sorted).count()).toBe(1);
      await search.fill('');

      // A rule that moves to a folder that does not exist: an error each try, then quarantine.
      await twoAccounts([
        {
          id: 'broken',
          name: 'Broken target',
          conditions: [{ field: 'subject', op: 'contains', value: subject(broken) }],
          actions: [{ type: 'move', folder: 'Nowhere/Missing' }],
        },
      ]);
      await dovecot.append(RITA.user, 'INBOX', broken.raw);
      const errors = page.locator('tbody tr.result-error', { hasText: subject(broken) });
      await poll(() => errors.count()).toBe(1);
      // Each catch-up retries it (maxAttempts 3): ask twice more.
      for (const n of [2, 3]) {
        if ((await errors.count()) < n) h.engine()!.checkNow(RITA.user);
        await poll(() => errors.count()).toBeGreaterThanOrEqual(n);
      }
      const quarantined = page.locator('tbody tr.result-quarantined', {
        hasText: subject(broken),
      });
      await poll(() => quarantined.count()).toBe(1);

      await show.selectOption({ label: 'Errors & quarantined' });
      await poll(() => rows.count()).toBe(4);
      const first = errors.first();
      expect(await textOf(first.getByTestId('result'))).toBe('Error');
      // The error says what went wrong, in the row itself.
      expect(await textOf(first.getByTestId('error'))).toMatch(/Nowhere\/Missing/);
      // Not colour alone: an icon and the words; and the row is marked out too.
      expect(await first.locator('svg.result-icon').count()).toBe(1);
      expect(await quarantined.locator('svg.result-icon').count()).toBe(1);
      expect(await textOf(quarantined.getByTestId('result'))).toBe('Quarantined');
      expect(await textOf(quarantined.getByTestId('error'))).toMatch(/gave up after 3 attempts/);
      expect(await first.evaluate((el) => getComputedStyle(el).boxShadow)).not.toBe('none');
      await h.screenshots('activity-filtered');

      expect(h.pageErrors).toEqual([]);
    });
  },
);
