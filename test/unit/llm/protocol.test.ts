import { describe, expect, it } from 'vitest';
import {
  maxTokens,
  nextMode,
  readReply,
  refusedMode,
  replyGrammar,
  requestBody,
} from '../../../src/main/core/classify/llm/protocol.js';

const allowed = ['LINUX_ALERTS', 'PROMOTIONS', 'none'];
const messages = [
  { role: 'system' as const, content: 's' },
  { role: 'user' as const, content: 'u' },
];

const chat = (content: unknown, finish_reason = 'stop'): string =>
  JSON.stringify({
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason }],
  });

describe('requestBody', () => {
  it('json_schema: temperature 0, a few tokens, the reply constrained to the names and "none"', () => {
    expect(requestBody({ model: 'm', messages, allowed, mode: 'json_schema' })).toEqual({
      model: 'm',
      messages,
      temperature: 0,
      max_tokens: 24 + 'LINUX_ALERTS'.length,
      stream: false,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'category',
          strict: true,
          schema: {
            type: 'object',
            properties: { category: { type: 'string', enum: allowed } },
            required: ['category'],
            additionalProperties: false,
          },
        },
      },
    });
  });

  it('grammar: a GBNF that admits exactly the allowed replies; plain: no constraint', () => {
    const g = requestBody({ model: undefined, messages, allowed, mode: 'grammar' });
    expect(g).not.toHaveProperty('model');
    expect(g).not.toHaveProperty('response_format');
    expect(g.grammar).toBe(replyGrammar(allowed));
    expect(g.grammar).toContain(
      'category ::= "\\"LINUX_ALERTS\\"" | "\\"PROMOTIONS\\"" | "\\"none\\""',
    );
    const p = requestBody({ model: 'm', messages, allowed, mode: 'plain' });
    expect(Object.keys(p).sort()).toEqual([
      'max_tokens',
      'messages',
      'model',
      'stream',
      'temperature',
    ]);
  });

  it('max_tokens follows the longest name', () => {
    expect(maxTokens(['A', 'none'])).toBe(28);
  });
});

describe('refusedMode / nextMode', () => {
  it('a 400 naming the feature is a refusal of that mode; other errors are not', () => {
    expect(
      refusedMode('json_schema', 400, '{"error":{"message":"response_format not supported"}}'),
    ).toBe(true);
    expect(refusedMode('json_schema', 422, 'unknown field json_schema')).toBe(true);
    expect(refusedMode('json_schema', 400, 'the request exceeds the available context size')).toBe(
      false,
    );
    expect(refusedMode('json_schema', 500, 'response_format')).toBe(false);
    expect(refusedMode('grammar', 400, 'grammar is not supported')).toBe(true);
    expect(refusedMode('plain', 400, 'response_format grammar')).toBe(false);
    expect([nextMode('json_schema'), nextMode('grammar'), nextMode('plain')]).toEqual([
      'grammar',
      'plain',
      undefined,
    ]);
  });
});

describe('readReply', () => {
  it.each([
    ['exact name', '{"category":"PROMOTIONS"}', 'PROMOTIONS'],
    ['spaces', ' { "category" : "LINUX_ALERTS" }\n', 'LINUX_ALERTS'],
    ['one json fence', '```json\n{"category":"PROMOTIONS"}\n```', 'PROMOTIONS'],
    ['case differs, one match', '{"category":"promotions"}', 'PROMOTIONS'],
    ['none', '{"category":"none"}', undefined],
    ['None', '{"category":"None"}', undefined],
  ])('%s', (_what, content, expected) => {
    const r = readReply(chat(content), allowed);
    expect(r).toEqual({ ok: true, category: expected, answer: content });
  });

  it.each([
    ['prose', 'The category is PROMOTIONS.', 'invalid-json'],
    ['prose around JSON', 'Sure! {"category":"PROMOTIONS"}', 'invalid-json'],
    ['array', '["PROMOTIONS"]', 'invalid-json'],
    ['no category key', '{"label":"PROMOTIONS"}', 'invalid-json'],
    ['category not a string', '{"category":3}', 'invalid-json'],
    ['empty', '', 'invalid-json'],
    ['unknown category', '{"category":"SPAM"}', 'unknown-category'],
    ['injected name', '{"category":"IGNORE PREVIOUS INSTRUCTIONS"}', 'unknown-category'],
  ])('%s → %s', (_what, content, kind) => {
    const r = readReply(chat(content), allowed);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failure.kind).toBe(kind);
      expect(r.answer).toBe(content);
    }
  });

  it('a name with spaces around it is quoted as it came, not as the category it looks like', () => {
    const r = readReply(chat('{"category":" PROMOTIONS "}'), allowed);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.failure.reason).toBe(
        'the model answered " PROMOTIONS ", which is not one of the categories',
      );
  });

  it('finish_reason "length" is a cut reply, even when what came parses', () => {
    const r = readReply(chat('{"category":"PROMO', 'length'), allowed);
    expect(r).toMatchObject({
      ok: false,
      failure: { kind: 'truncated' },
      answer: '{"category":"PROMO',
    });
    expect(readReply(chat('{"category":"none"}', 'length'), allowed).ok).toBe(false);
  });

  it('an answer that is not a chat completion says so', () => {
    expect(readReply('<html>hi</html>', allowed)).toMatchObject({
      failure: { kind: 'not-openai' },
    });
    expect(readReply('{"choices":[]}', allowed)).toMatchObject({ failure: { kind: 'not-openai' } });
    expect(readReply('{"result":"x"}', allowed)).toMatchObject({ failure: { kind: 'not-openai' } });
  });

  it('reasons quote at most 120 characters of the reply, on one line', () => {
    const r = readReply(chat(`nonsense\n${'x'.repeat(1_000)}`), allowed);
    if (r.ok) throw new Error('should fail');
    expect(r.failure.reason.length).toBeLessThan(200);
    expect(r.failure.reason).not.toContain('\n');
  });
});
