/**
 * The renderer in a real browser, wired to a real engine: builds src/renderer with vite (the
 * same root and plugins as electron.vite.config.ts's renderer section), serves it from a tiny
 * static server on 127.0.0.1, launches Debian Chromium through playwright-core, and installs
 * `window.solon` = buildApi(...) whose invokes go through a Playwright binding to
 * `dispatch(createHandlers(...))` in this process and whose events are pushed from
 * `subscribe(engine, ...)`. Renderer → contract → handlers → engine → Dovecot: all real.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { parseConfig } from '../../src/main/core/config/load-config.js';
import { createEngine, type Engine } from '../../src/main/core/engine.js';
import { createHandlers, dispatch, subscribe } from '../../src/main/core/handlers.js';
import type { Dovecot } from './dovecot.js';
import { configFor, projectRoot } from './solon-config.js';

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

export interface RendererHarness {
  page: Page;
  engine: Engine;
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
    const passwordEnv = 'SOLON_RENDERER_PW';
    const input = configFor(opts.dovecot, { user: opts.user, passwordEnv, dataDir });
    const config = parseConfig(input);
    const engine = createEngine({ config, dataDir, env: { [passwordEnv]: opts.password } });
    cleanups.push(() => engine.stop());
    const handlers = createHandlers({
      engine,
      rules: () => config.rules,
      appInfo: () => ({ version: 'test', platform: process.platform, secretsBackend: 'none' }),
      openExternal: () => Promise.resolve(),
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
    const unsubscribe = subscribe(engine, (event, payload) => {
      page
        .evaluate(
          ([e, p]) =>
            (window as unknown as { __solonEmit(e: unknown, p: unknown): void }).__solonEmit(e, p),
          [event, payload] as const,
        )
        .catch(() => undefined); // the page is navigating or closed: the next load reads fresh state
    });
    cleanups.push(() => Promise.resolve(unsubscribe()));

    return {
      page,
      engine,
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
