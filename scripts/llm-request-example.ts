/**
 * Writes docs/llm-request-example.json: the exact request Solon sends to the model for one
 * real corpus message (issue 6's closing note).
 *
 *   npx tsx scripts/llm-request-example.ts           write it
 *   npx tsx scripts/llm-request-example.ts --check   exit 1 if the committed file is stale
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EXAMPLE_FILE, exampleDocument } from '../test/helpers/llm-example.js';

const text = await exampleDocument();
if (process.argv.includes('--check')) {
  const current = await readFile(EXAMPLE_FILE, 'utf8').catch(() => '');
  if (current !== text) {
    console.error(`${EXAMPLE_FILE} is stale: run npx tsx scripts/llm-request-example.ts`);
    process.exit(1);
  }
  console.log(`${EXAMPLE_FILE} is up to date`);
} else {
  await mkdir(dirname(EXAMPLE_FILE), { recursive: true });
  await writeFile(EXAMPLE_FILE, text);
  console.log(`wrote ${EXAMPLE_FILE}`);
}
