import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_FILE, exampleDocument } from '../../helpers/llm-example.js';

describe('docs/llm-request-example.json', () => {
  it('is what Solon sends today (else: npx tsx scripts/llm-request-example.ts)', async () => {
    expect(await readFile(EXAMPLE_FILE, 'utf8')).toBe(await exampleDocument());
  });

  it('shows a bounded, text-only request with the category schema', async () => {
    const doc = JSON.parse(await readFile(EXAMPLE_FILE, 'utf8')) as {
      request: { body: { messages: { content: string }[]; response_format: unknown } };
    };
    const user = doc.request.body.messages[1]!.content;
    expect(user).not.toMatch(/<\/?(html|body|table|font|p|br|a)\b/i);
    expect(user.length).toBeLessThan(3_500);
    expect(JSON.stringify(doc.request.body.response_format)).toContain(
      '"enum":["LINUX_ALERTS","PROMOTIONS","RECEIPTS","none"]',
    );
  });
});
