/**
 * The renderer in a real browser, wired to a real engine: builds src/renderer with vite (the
 * same root and plugins as electron.vite.config.ts's renderer section), serves it from a tiny
 * static server on 127.0.0.1, launches Debian Chromium through playwright-core, and installs
 * `window.solon` = buildApi(...) whose invokes go through a Playwright binding to
 * `dispatch(createHandlers(...))` in this process and whose events are pushed from
 * `subscribe(host, ...)`.
 *
 * Behind the handlers is what the desktop app runs: the AppHost (engine built from settings,
 * restarted when they change) over a real settings store (conf, in a temp folder) and the real
 * keychain code with a stand-in cipher (Electron's safeStorage needs Electron). Renderer →
 * contract → handlers → host → engine → Dovecot: all real.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import Conf from 'conf';
import { createAppHost, type AppHost } from '../../src/main/core/app-host.js';
import { createHandlers, dispatch, subscribe } from '../../src/main/core/handlers.js';
import { createLlmWindow } from '../../src/main/core/llm-window.js';
import type { Engine } from '../../src/main/core/engine.js';
import {
  FileBlobStore,
  KeychainSecretSource,
  type Cipher,
} from '../../src/main/core/secrets/keychain-secret-source.js';
import { openSettings, type SettingsStore } from '../../src/main/core/settings/settings-store.js';
import { EngineSettings } from '../../src/shared/domain/config.js';
import type { AccountInput } from '../../src/shared/domain/account.js';
import type { RuleInput } from '../../src/shared/domain/rule.js';
import { Account } from '../../src/shared/domain/account.js';
import { Rule } from '../../src/shared/domain/rule.js';
import type { Dovecot } from './dovecot.js';
import { demoRules, projectRoot } from './solon-config.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Why the browser tests skip, or undefined when they can run. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `no Debian Chromium at ${CHROMIUM} (apt-get install -y chromium)`;

export const screenshotDir = join(projectRoot, 'test-results', 'screenshots');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Build the renderer and the window.solon bridge into a temp dir. */
async function buildRenderer(outDir: string): Promise<{ bridge: string }> {
  await build({
    configFile: false,
    logLevel: 'error',
    root: join(projectRoot, 'src', 'renderer'),
    base: './',
    plugins: [react()],
    build: { outDir: join(outDir, 'app'), emptyOutDir: true, minify: false },
  });
  await build({
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: join(outDir, 'bridge'),
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: join(projectRoot, 'test', 'helpers', 'renderer-bridge.ts'),
        formats: ['iife'],
        name: 'solonBridge',
        fileName: () => 'bridge.js',
      },
    },
  });
  return { bridge: await readFile(join(outDir, 'bridge', 'bridge.js'), 'utf8') };
}

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // the app has none; keep the browser's automatic request quiet
      return;
    }
    if (!file.startsWith(resolve(root) + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

/**
 * Stands in for Electron's safeStorage: reversible, not secret (a test has no OS keyring). The
 * keychain code around it (blob files, ids, errors) is the real one.
 */
const testCipher: Cipher = {
  encrypt: (plain) => Promise.resolve(Buffer.from(`test:${plain}`, 'utf8')),
  decrypt: (blob) => Promise.resolve(blob.toString('utf8').replace(/^test:/, '')),
};

export interface RendererHarness {
  page: Page;
  host: AppHost;
  /** The engine running now (a settings change replaces it). */
  engine(): Engine | undefined;
  settings: SettingsStore;
  secrets: KeychainSecretSource;
  /** The Dovecot user's account as the form would make it (password in the keychain). */
  account: AccountInput;
  /**
   * Save the account (and its password) and rules directly, as a user who set up earlier,
   * and wait for the engine to run on them.
   */
  seed(opts?: { rules?: RuleInput[] }): Promise<void>;
  /**
   * The native file dialogs' stand-ins: `exported` is where the last export was written;
   * set `importFrom` to the file the next import "picks" (unset: the user cancels).
   */
  files: { exported?: string; importFrom?: string };
  /** Back to a first run: no account, no rules, no password, engine stopped. */
  reset(): Promise<void>;
  /** The app's URL for a route, e.g. url('activity'). */
  url(route: string): string;
  /** Screenshot the page into test-results/screenshots/<name>-<scheme>.png, light and dark. */
  screenshots(name: string): Promise<void>;
  /** Errors the page threw or logged (checked at the end: a clean run has none). */
  pageErrors: string[];
  stop(): Promise<void>;
}

export async function startRendererHarness(opts: {
  dovecot: Dovecot;
  user: string;
  password: string;
}): Promise<RendererHarness> {
  const tmp = await mkdtemp(join(tmpdir(), 'solon-renderer-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const { bridge } = await buildRenderer(join(tmp, 'build'));
    const server = await serve(join(tmp, 'build', 'app'));
    cleanups.push(() => new Promise((ok) => server.close(ok)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const dataDir = join(tmp, 'data');
    const secrets = new KeychainSecretSource(testCipher, new FileBlobStore(join(tmp, 'secrets')));
    const { settings } = await openSettings({
      dir: tmp,
      makeStore: ({ name, ...rest }) =>
        new Conf<Record<string, unknown>>({ ...rest, configName: name }),
    });
    cleanups.push(() => Promise.resolve(settings.close()));
    const host = createAppHost({ settings, secrets, dataDir, reloadDelayMs: 50 });
    cleanups.push(() => host.stop());
    await host.start(); // a first run: no account, so nothing runs yet
    const files: RendererHarness['files'] = {};
    const emitters = new Set<(event: string, payload: unknown) => void>();
    const handlers = createHandlers({
      engine: host.controls,
      rules: () => host.config()?.rules ?? settings.get().rules,
      settings,
      setPassword: async (id, pw) => {
        await secrets.setPassword(id, pw);
        if (
          host
            .engine()
            ?.status()
            .some((a) => a.accountId === id)
        )
          host.controls.resume('password changed', id);
      },
      forgetPassword: (id) => secrets.deletePassword(id),
      tools: {
        account: (id) => host.account(id),
        password: (account) => host.password(account),
        engineSettings: () => host.config()?.engine ?? EngineSettings.parse(settings.get().engine),
        categories: () => host.config()?.categories ?? settings.get().categories,
      },
      emit: (event, payload) => {
        for (const fn of emitters) fn(event, payload);
      },
      appInfo: () => ({
        version: 'test',
        platform: process.platform,
        secretsBackend: 'test',
        dataDir,
      }),
      openExternal: () => Promise.resolve(),
      openDataFolder: () => Promise.resolve(),
      llm: createLlmWindow({
        settings: () => settings.get().llm,
        secrets,
        saveApiKeySource: (apiKey) => settings.update({ llm: { apiKey } }),
      }),
      // Stand-ins for the native dialogs: export writes here, import reads `importFrom`.
      files: {
        async saveAs(name, contents) {
          const path = join(tmp, name);
          await writeFile(path, contents);
          files.exported = path;
          return path;
        },
        async open() {
          const path = files.importFrom;
          return path === undefined ? undefined : { path, contents: await readFile(path, 'utf8') };
        },
      },
    });
    const account: AccountInput = {
      id: opts.user,
      host: opts.dovecot.host,
      port: opts.dovecot.tlsPort,
      tls: 'implicit',
      caFile: opts.dovecot.caFile,
      user: opts.user,
      password: { keychain: true },
      mailboxes: ['INBOX'],
    };
    /** Resolves when the engine runs with every account watching. */
    const watching = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const s = host.engine()?.status() ?? [];
          return s.length > 0 && s.every((a) => a.state === 'watching');
        };
        if (check()) return resolve();
        const timer = setTimeout(() => {
          off();
          reject(new Error('the engine did not reach watching within 20 s'));
        }, 20_000);
        const off = host.onStatus(() => {
          if (!check()) return;
          clearTimeout(timer);
          off();
          resolve();
        });
      });

    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    cleanups.push(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.exposeFunction('__solonInvoke', (channel: string, args: unknown) =>
      dispatch(handlers, channel, args, { validateResults: true }),
    );
    await page.addInitScript({ content: bridge });
    const push = (event: string, payload: unknown): void => {
      page
        .evaluate(
          ([e, p]) =>
            (window as unknown as { __solonEmit(e: unknown, p: unknown): void }).__solonEmit(e, p),
          [event, payload] as const,
        )
        .catch(() => undefined); // the page is navigating or closed: the next load reads fresh state
    };
    emitters.add(push);
    const unsubscribe = subscribe(host, push);
    cleanups.push(() => Promise.resolve(unsubscribe()));

    return {
      page,
      host,
      engine: () => host.engine(),
      settings,
      secrets,
      account,
      files,
      async seed(o = {}) {
        await secrets.setPassword(opts.user, opts.password);
        settings.update({
          accounts: [Account.parse(account)],
          rules: (o.rules ?? demoRules()).map((r) => Rule.parse(r)),
        });
        await watching();
      },
      async reset() {
        settings.update({ accounts: [], rules: [], categories: [] });
        await secrets.deletePassword(opts.user);
        // The host reports an empty status list when it stops an engine.
        await new Promise<void>((resolve, reject) => {
          if (!host.engine() && !host.config()?.accounts.length) return resolve();
          const timer = setTimeout(() => reject(new Error('the engine did not stop')), 20_000);
          const off = host.onStatus(() => {
            if (host.engine()) return;
            clearTimeout(timer);
            off();
            resolve();
          });
        });
      },
      pageErrors,
      url: (route) => `${base}#/${route}`,
      async screenshots(name) {
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          await page.evaluate(() => window.scrollTo(0, 0)); // a sticky sidebar, captured from the top
          await page.screenshot({
            path: join(screenshotDir, `${name}-${colorScheme}.png`),
            fullPage: true,
          });
        }
        await page.emulateMedia({ colorScheme: 'light' });
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
