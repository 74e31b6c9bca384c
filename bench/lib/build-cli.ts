/**
 * Bundles headless Solon (src/main/cli.ts) into one self-contained ESM file for plain `node`:
 * our code and its npm packages in one file, so nothing is transformed at load time (under
 * `node --import tsx` every module is compiled on load and the loader stays resident) and no
 * module tree is resolved at start. What an always-on machine should run; measured side by
 * side with the tsx run in bench/README.md (idle cost, start-up).
 *
 *   npm run build:cli            → out/cli/cli.mjs   (then: out/cli/cli.mjs run --config …)
 *
 * The bench builds the same way into out/bench/, with its Node peers (bench/peers/raw-fetch.ts,
 * bench/lib/raw-idle.ts) so that every Node subject starts the same way.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const projectRoot = path.join(import.meta.dirname, '..', '..');

// CommonJS packages inside an ESM bundle still call require() for Node builtins.
const REQUIRE_SHIM =
  "import { createRequire as __solonCreateRequire } from 'node:module';\n" +
  'const require = __solonCreateRequire(import.meta.url);';

/**
 * The V8 flags headless Solon runs with: the bundled CLI's first line carries them (so
 * `out/cli/cli.mjs run …` uses them), and the bench passes them the same way. A young
 * generation of 1 MB per semi-space instead of V8's up to 16: a mail watcher allocates little at
 * a time, and the default let RSS peak at 107 MB while the largest tricky-mime messages were
 * handled (92 MB with it, `npm run bench -- --only memory`); a 5,000-message backlog costs a few
 * per cent more.
 */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Bundle each entry (project-relative) into outDir as <basename>.mjs; returns the paths. */
export async function bundle(entries: string[], outDir: string): Promise<Record<string, string>> {
  await build({
    // Flat: out/<dir>/<basename>.mjs whatever folder each entry comes from.
    entryPoints: entries.map((e) => ({
      in: path.join(projectRoot, e),
      out: path.basename(e, path.extname(e)),
    })),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: REQUIRE_SHIM },
    sourcemap: false,
    logLevel: 'error',
  });
  return Object.fromEntries(
    entries.map((e) => [e, path.join(outDir, `${path.basename(e, path.extname(e))}.mjs`)]),
  );
}

/** out/cli/cli.mjs (the name matters: cli.ts runs main() only when started as cli.{ts,js,mjs}). */
export async function buildCli(outDir = path.join(projectRoot, 'out', 'cli')): Promise<string> {
  const built = await bundle(['src/main/cli.ts'], outDir);
  const file = built['src/main/cli.ts']!;
  // `env -S` splits the flags from the interpreter (GNU coreutils ≥ 8.30, macOS, the BSDs).
  const text = await readFile(file, 'utf8');
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
  await writeFile(file, `#!/usr/bin/env -S node ${CLI_NODE_FLAGS.join(' ')}\n${body}`);
  await chmod(file, 0o755);
  return file;
}

if (process.argv[1] && /build-cli\.(ts|js|mjs)$/.test(process.argv[1])) {
  buildCli().then(
    (file) => process.stdout.write(`built ${path.relative(process.cwd(), file)}\n`),
    (err: unknown) => {
      process.stderr.write(`build:cli failed: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
