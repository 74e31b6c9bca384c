import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const projectRoot = join(import.meta.dirname, '..', '..');

/** The layering rules exactly as the project config spreads them in. */
async function layeringRules(): Promise<Linter.Config[]> {
  // A computed specifier: eslint.layering.js is plain JS without a .d.ts.
  const url = pathToFileURL(join(projectRoot, 'eslint.layering.js')).href;
  const mod = (await import(url)) as { layering: Linter.Config[] };
  return mod.layering;
}

/** ESLint with only the layering rules and a TypeScript parser (no type information). */
async function layeringOnly(): Promise<ESLint> {
  return new ESLint({
    cwd: projectRoot,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts', '**/*.tsx'],
        languageOptions: { parser: tseslint.parser, sourceType: 'module' },
      },
      ...(await layeringRules()),
    ],
  });
}

interface Found {
  ruleId: string | null;
  message: string;
  severity: number;
}

async function lint(eslint: ESLint, code: string, file: string): Promise<Found[]> {
  const [result] = await eslint.lintText(code, { filePath: join(projectRoot, file) });
  if (!result) throw new Error('no lint result');
  return result.messages.map(({ ruleId, message, severity }) => ({ ruleId, message, severity }));
}

const electronApp = "import { app } from 'electron';\nexport const name = app.getName();\n";
const electronIpcMain =
  "import { ipcMain } from 'electron';\nexport const on = ipcMain.on.bind(ipcMain);\n";
const electronIpcRenderer =
  "import { ipcRenderer } from 'electron';\nexport const send = ipcRenderer.send.bind(ipcRenderer);\n";
const electronShell =
  "import { shell } from 'electron';\nexport const open = shell.openExternal;\n";
const nodeFs = "import { readFile } from 'node:fs';\nexport const read = readFile;\n";
const typeOnlyElectron = "import type { App } from 'electron';\nexport type A = App;\n";
const plain = "import { z } from 'zod';\nexport const s = z.string();\n";

describe('layering lint rules (eslint.layering.js)', () => {
  it.each<[string, string, string, RegExp]>([
    [
      'electron in src/main/core',
      electronApp,
      'src/main/core/engine-extra.ts',
      /never import electron/,
    ],
    [
      'electron deep in src/main/core',
      electronApp,
      'src/main/core/imap/x/y.ts',
      /never import electron/,
    ],
    [
      'electron (type-only) in src/main/core',
      typeOnlyElectron,
      'src/main/core/types.ts',
      /never import electron/,
    ],
    ['electron in src/shared', electronApp, 'src/shared/domain/extra.ts', /never import electron/],
    ['node:fs in src/shared', nodeFs, 'src/shared/domain/extra.ts', /no Node builtins/],
    ['ipcMain in src/main/tray.ts', electronIpcMain, 'src/main/tray.ts', /Raw IPC is banned/],
    ['ipcMain in src/main/windows.ts', electronIpcMain, 'src/main/windows.ts', /Raw IPC is banned/],
    [
      'ipcRenderer in src/renderer',
      electronIpcRenderer,
      'src/renderer/app.tsx',
      /Raw IPC is banned/,
    ],
  ])('reports %s', async (_what, code, file, message) => {
    const found = await lint(await layeringOnly(), code, file);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ruleId: 'no-restricted-imports', severity: 2 });
    expect(found[0]?.message).toMatch(message);
    expect(found[0]?.message).toMatch(/electron|node:fs/);
  });

  it.each<[string, string, string]>([
    ['ipcMain in src/main/ipc.ts', electronIpcMain, 'src/main/ipc.ts'],
    ['app in src/main/index.ts', electronApp, 'src/main/index.ts'],
    ['shell in src/main/tray.ts', electronShell, 'src/main/tray.ts'],
    ['node:fs in src/main/core', nodeFs, 'src/main/core/util/extra.ts'],
    ['zod in src/shared', plain, 'src/shared/domain/extra.ts'],
    ['ipcRenderer in src/preload', electronIpcRenderer, 'src/preload/index.ts'],
  ])('allows %s', async (_what, code, file) => {
    expect(await lint(await layeringOnly(), code, file)).toEqual([]);
  });
});

// The project config is type-aware (parserOptions.projectService): the project service parses
// only files that tsconfig.json includes and that exist on disk, so lintText borrows the path of
// a real file — engine.ts in core, cli.ts in the shell — and lints the fixture's text in its
// place (nothing is written).
describe('the real project config (eslint.config.js)', () => {
  const fixture = join(projectRoot, 'test', 'fixtures', 'lint', 'core-imports-electron.ts');
  const coreFile = 'src/main/core/engine.ts';
  const shellFile = 'src/main/cli.ts';

  it('ignores the lint fixture in a normal run', async () => {
    const eslint = new ESLint({ cwd: projectRoot });
    expect(await eslint.isPathIgnored(fixture)).toBe(true);
    expect(await eslint.isPathIgnored(join(projectRoot, coreFile))).toBe(false);
  });

  it('reports the fixture when it is linted as a file of src/main/core', async () => {
    await expect(stat(join(projectRoot, coreFile))).resolves.toBeTruthy();
    const eslint = new ESLint({ cwd: projectRoot });
    const code = await readFile(fixture, 'utf8');
    const found = await lint(eslint, code, coreFile);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ruleId: 'no-restricted-imports', severity: 2 });
    expect(found[0]?.message).toMatch(/src\/main\/core and src\/shared never import electron/);
  });

  it('accepts the same text in the Electron shell (src/main, outside core)', async () => {
    await expect(stat(join(projectRoot, shellFile))).resolves.toBeTruthy();
    const eslint = new ESLint({ cwd: projectRoot });
    const code = await readFile(fixture, 'utf8');
    expect(await lint(eslint, code, shellFile)).toEqual([]);
  });
});
